// End to end over HTTPS (curl): a solution user gets a holder-of-key token by
// its TLS client certificate alone (sts runs with --client-cert optional), and
// that token then buys a new one by token-by-token (the request signed with the
// token's key). The xmlsec1 command-line tool verifies what was issued with the
// tenant's signing certificate only. Certificates that are not exactly a
// solution user's, bearer tokens and foreign signers are refused with their
// fault.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "sigil/saml/names.hpp"
#include "sts_attack_fixture.hpp"

namespace sigil::testing {
namespace {

class MtlsAndTokenByToken : public StsAttackTest {
 protected:
  // Issue with no credential in the message; curl presents `cert`/`key` files
  // in TLS.
  static Answer issue_by_tls(const std::string& cert, const std::string& key,
                             const std::string& key_type = "PublicKey") {
    RstSpec rst;
    rst.key_type = key_type;
    rst.renewable = true;
    return send(rst, Credential{}, {"--cert", cert, "--key", key});
  }
  static Answer token_by_token(const std::string& token, EVP_PKEY* signer) {
    RstSpec rst;
    rst.key_type = "PublicKey";
    Credential cred;
    cred.token = token;
    cred.token_key = signer;
    return send(rst, cred);
  }
  static void expect_xmlsec1_verifies(const std::string& token) {
    write_file("token.xml", token);
    auto v =
        run({"xmlsec1", "--verify", "--pubkey-cert-pem", tenant_cert_pem_path(), "--id-attr:ID",
             "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", path("token.xml")});
    EXPECT_EQ(v.exit_code, 0) << v.err << "\n" << token;
  }
  static std::string confirmation_cert(const std::string& token) {
    return between(
        between(token, "<saml2:SubjectConfirmationData", "</saml2:SubjectConfirmationData>"),
        "<ds:X509Certificate>", "</ds:X509Certificate>");
  }
  // Writes a certificate/key pair for curl.
  static std::pair<std::string, std::string> pem_files(const std::string& name, X509* cert,
                                                       EVP_PKEY* key) {
    return {write_file(name + ".pem", *crypto::write_certificate_pem(cert)),
            write_file(name + ".key", std::string(crypto::write_private_key_pem(key)->view()))};
  }
};

TEST_F(MtlsAndTokenByToken, SolutionUserGetsHolderOfKeyTokenByClientCertificate) {
  const double issued = tokens_issued();
  Answer a = issue_by_tls(path("svc.pem"), path("svc.key"));
  ASSERT_EQ(a.status, 200) << a.body;
  std::string token = token_of(a.body);
  EXPECT_NE(token.find("Method=\"" + std::string(saml::uri::kCmHolderOfKey) + "\""),
            std::string::npos)
      << token;
  EXPECT_EQ(confirmation_cert(token), svc().cert_b64);
  EXPECT_EQ(between(token, "claims/UPN\">", "</saml2:NameID>"), "svc@VSPHERE.LOCAL");
  EXPECT_NE(token.find(std::string(saml::uri::kAcTlsClient)), std::string::npos) << token;
  EXPECT_NE(token.find(">true</saml2:AttributeValue>"),
            std::string::npos);  // Subject Type
  EXPECT_EQ(tokens_issued(), issued + 1);
  expect_xmlsec1_verifies(token);
  EXPECT_TRUE(validates(token));

  // Bearer by certificate works too, and carries no certificate.
  Answer bearer = issue_by_tls(path("svc.pem"), path("svc.key"), "Bearer");
  ASSERT_EQ(bearer.status, 200) << bearer.body;
  EXPECT_NE(token_of(bearer.body).find(std::string(saml::uri::kCmBearer)), std::string::npos);
  EXPECT_TRUE(confirmation_cert(token_of(bearer.body)).empty());
}

TEST_F(MtlsAndTokenByToken, CertificateThatIsNotExactlyASolutionUsersIsRefused) {
  const double issued = tokens_issued();
  // A valid certificate nobody registered.
  wt::TestSigner stranger = wt::make_signer("stranger");
  auto [stranger_pem, stranger_key] =
      pem_files("stranger", stranger.cert.get(), stranger.key.get());
  expect_fault(issue_by_tls(stranger_pem, stranger_key), "FailedAuthentication");
  expect_fault(issue_by_tls(stranger_pem, stranger_key, "Bearer"), "FailedAuthentication");
  // A clone of svc's certificate (same subject and issuer DN) with another key.
  crypto::X509Ptr clone(X509_dup(stranger.cert.get()));
  ASSERT_EQ(X509_set_subject_name(clone.get(), X509_get_subject_name(svc().cert.get())), 1);
  ASSERT_EQ(X509_set_issuer_name(clone.get(), X509_get_issuer_name(svc().cert.get())), 1);
  ASSERT_GT(X509_sign(clone.get(), stranger.key.get(), EVP_sha256()), 0);
  auto [clone_pem, clone_key] = pem_files("clone", clone.get(), stranger.key.get());
  expect_fault(issue_by_tls(clone_pem, clone_key), "FailedAuthentication");
  // Without any certificate a holder-of-key request has nothing to bind.
  RstSpec rst;
  rst.key_type = "PublicKey";
  expect_fault(send(rst, Credential{}), "FailedAuthentication");
  EXPECT_EQ(tokens_issued(), issued);
  expect_still_issuing();
}

TEST_F(MtlsAndTokenByToken, HolderOfKeyTokenBuysANewTokenSignedWithItsKey) {
  std::string first = token_of(issue_by_tls(path("svc.pem"), path("svc.key")).body);
  ASSERT_FALSE(first.empty());
  const double issued = tokens_issued();
  Answer a = token_by_token(first, svc().key.get());
  ASSERT_EQ(a.status, 200) << a.body;
  std::string second = token_of(a.body);
  EXPECT_NE(between(second, " ID=\"", "\""), between(first, " ID=\"", "\""));
  EXPECT_EQ(between(second, "claims/UPN\">", "</saml2:NameID>"), "svc@VSPHERE.LOCAL");
  EXPECT_EQ(confirmation_cert(second), svc().cert_b64);
  EXPECT_NE(second.find(std::string(saml::uri::kAcPreviousSession)), std::string::npos) << second;
  EXPECT_EQ(tokens_issued(), issued + 1);
  expect_xmlsec1_verifies(second);

  // rsa-sha512 (pyVmomi's choice for token by token) is accepted too.
  RstSpec rst;
  rst.key_type = "PublicKey";
  Credential cred;
  cred.token = second;
  cred.token_key = svc().key.get();
  cred.alg = wt::SigAlg::kRsaSha512;
  EXPECT_EQ(send(rst, cred).status, 200);
}

TEST_F(MtlsAndTokenByToken, TokenByTokenNeedsAHolderOfKeyTokenAndItsKey) {
  // A bearer token proves nothing, whoever signs.
  std::string bearer = bearer_token("alice");
  const double issued = tokens_issued();
  expect_fault(token_by_token(bearer, svc().key.get()), "InvalidSecurity");
  // A genuine holder-of-key token, signed by someone else's key.
  std::string hok = token_of(issue_by_tls(path("svc.pem"), path("svc.key")).body);
  ASSERT_FALSE(hok.empty());
  const double after_hok = tokens_issued();
  EXPECT_EQ(after_hok, issued + 1);
  wt::TestSigner thief = wt::make_signer("thief");
  expect_fault(token_by_token(hok, thief.key.get()), "InvalidSecurity");
  // The token in the header but the request not signed at all.
  RstSpec rst;
  rst.key_type = "PublicKey";
  Credential unsigned_cred;
  unsigned_cred.token = hok;
  expect_fault(send(rst, unsigned_cred), "FailedAuthentication");
  EXPECT_EQ(tokens_issued(), after_hok);
  expect_still_issuing();
}

}  // namespace
}  // namespace sigil::testing
