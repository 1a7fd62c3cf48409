// Attacks on the tokens a client presents (docs/reference/threats.md §1.1-§1.5, §1.10),
// sent over HTTPS to a running sigil-sts: each forged, wrapped, split,
// unsigned, foreign-signed, SHA-1 or expired token is refused by Validate
// (status invalid), by Renew's RenewTarget, by token-by-token and by ActAs,
// with its precise fault; no token is issued, and the server keeps issuing
// afterwards. Every refusal has a control: the same path with an honest token
// succeeds.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>

#include "sigil/crypto/random.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/writer.hpp"
#include "sts_attack_fixture.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kDupMark = "ID=\"_dupmark\"";

// Where a presented token goes.
enum class Use { kTokenByToken, kRenew, kActAs };

class TokenAttacks : public StsAttackTest {
 protected:
  static void SetUpTestSuite() {
    StsAttackTest::SetUpTestSuite();
    dup_id_ = new std::string;
  }
  static void TearDownTestSuite() {
    delete dup_id_;
    dup_id_ = nullptr;
    StsAttackTest::TearDownTestSuite();
  }
  static std::string* dup_id_;
  // Presents `token` (bound to svc's key, or delegatable for ActAs) the way
  // `use` says.
  static Answer present(const std::string& token, Use use,
                        wt::SigAlg alg = wt::SigAlg::kRsaSha256) {
    RstSpec rst;
    Credential cred;
    cred.alg = alg;
    switch (use) {
      case Use::kTokenByToken:
        rst.key_type = "PublicKey";
        cred.token = token;
        cred.token_key = svc().key.get();
        break;
      case Use::kRenew:
        rst.request_type = "Renew";
        rst.key_type.clear();
        rst.renew_target = token;
        cred.bst = &svc();
        break;
      case Use::kActAs:
        rst.key_type = "PublicKey";
        rst.act_as = token;
        cred.bst = &svc();
        break;
    }
    // The duplicate-ID forgery is signed with a stand-in ID (the test signer
    // refuses duplicate IDs); the real one goes in afterwards, since the server
    // must refuse it before any crypto.
    return post(with_dup_id(request(rst, cred)), rst.request_type);
  }
  static std::string with_dup_id(const std::string& s) {
    return wt::replace_all(s, kDupMark, "ID=\"" + *dup_id_ + "\"");
  }

  // Presents `token` everywhere it can go: Validate says invalid, and each use
  // gets `fault` (ActAs gets `act_as_fault` when given); no token is issued by
  // any of it. A `validate_fault` replaces Validate's status invalid (the
  // request itself is refused).
  static void expect_refused_everywhere(const std::string& hok, const std::string& delegatable,
                                        std::string_view fault, std::string_view act_as_fault = {},
                                        std::string_view validate_fault = {}) {
    const double issued = tokens_issued();
    const double valid = metric("sigil_token_validations_total", "result=\"valid\"");
    for (const std::string& token : {hok, delegatable}) {
      SCOPED_TRACE("validate");
      if (token.empty()) continue;
      if (validate_fault.empty()) {
        EXPECT_FALSE(validates(with_dup_id(token)));
        continue;
      }
      RstSpec rst;
      rst.request_type = "Validate";
      rst.key_type.clear();
      rst.validate_target = token;
      Credential none;
      none.timestamp = false;
      expect_fault(post(with_dup_id(request(rst, none)), "Validate"), validate_fault);
    }
    EXPECT_EQ(metric("sigil_token_validations_total", "result=\"valid\""), valid);
    if (!hok.empty()) {
      SCOPED_TRACE("token by token");
      expect_fault(present(hok, Use::kTokenByToken), fault);
    }
    if (!hok.empty()) {
      SCOPED_TRACE("renew");
      expect_fault(present(hok, Use::kRenew), fault);
    }
    if (!delegatable.empty()) {
      SCOPED_TRACE("actas");
      expect_fault(present(delegatable, Use::kActAs), act_as_fault.empty() ? fault : act_as_fault);
    }
    EXPECT_EQ(tokens_issued(), issued);
    expect_still_issuing();
  }

  // A token in Sigil's exact shape, signed by `key` with `chain` in KeyInfo.
  static std::string write_token(EVP_PKEY* key, const std::vector<std::string>& chain,
                                 TimePoint not_before, TimePoint not_on_or_after, bool hok = true) {
    saml::AssertionSpec spec;
    spec.id = crypto::random_id();
    spec.issue_instant = std::chrono::floor<std::chrono::milliseconds>(not_before);
    spec.issuer = issuer();
    spec.subject_upn = alice_upn();
    spec.confirmation = hok ? saml::Confirmation::kHolderOfKey : saml::Confirmation::kBearer;
    if (hok) spec.hok_certificate_b64 = svc().cert_b64;
    spec.not_before = spec.issue_instant;
    spec.not_on_or_after = std::chrono::floor<std::chrono::milliseconds>(not_on_or_after);
    spec.proxy_count = 10;
    spec.renew_count = 10;
    spec.authn_instant = spec.issue_instant;
    spec.authn_method = saml::AuthnMethod::kXmlDsig;
    spec.attributes = {
        {"Groups", std::string(saml::uri::kAttrGroups), {"vsphere.local\\Everyone"}},
        {"Subject Type", std::string(saml::uri::kAttrSubjectType), {"false"}}};
    auto wire = saml::write_signed_assertion(spec, {key, chain});
    EXPECT_TRUE(wire) << wire.error();
    return wire ? *wire : std::string();
  }
  static std::string tenant_token(TimePoint nb, TimePoint noa, bool hok = true) {
    return write_token(tenant_key(), {cert_b64(tenant_cert())}, nb, noa, hok);
  }
  static std::string cert_b64(X509* cert) {
    return crypto::base64_encode(*crypto::write_certificate_der(cert));
  }

  // `token` re-signed by the xmlsec1 command-line tool with the tenant key,
  // with the given signature and digest algorithm URIs (KeyInfo dropped: it is
  // only a hint).
  static std::string xmlsec1_resign(const std::string& token, const std::string& sig_uri,
                                    const std::string& digest_uri) {
    std::string t = replace_once(token, saml::uri::kRsaSha256, sig_uri);
    t = replace_once(t, saml::uri::kSha256, digest_uri);
    t = replace_once(
        t, "<ds:KeyInfo>" + between(t, "<ds:KeyInfo>", "</ds:KeyInfo>") + "</ds:KeyInfo>", "");
    write_file("tenant.key", std::string(crypto::write_private_key_pem(tenant_key())->view()));
    write_file("template.xml", t);
    auto r = run({"xmlsec1", "--sign", "--privkey-pem", path("tenant.key"), "--id-attr:ID",
                  "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "--output",
                  path("resigned.xml"), path("template.xml")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(path("resigned.xml"));
    std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return token_of(out);
  }
};

std::string* TokenAttacks::dup_id_ = nullptr;

// Changes the subject, as every wrapping attack wants to.
std::string to_admin(const std::string& token, const std::string& from) {
  return replace_once(token, ">" + from + "</saml2:NameID>", ">admin@VSPHERE.LOCAL</saml2:NameID>");
}
std::string strip_signature(const std::string& token) {
  auto b = token.find("<ds:Signature");
  auto e = token.find("</ds:Signature>");
  return token.substr(0, b) + token.substr(e + 15);
}
std::string id_of(const std::string& token) { return between(token, " ID=\"", "\""); }

// XSW variants (Somorovsky et al.): the genuine assertion moved into the forged
// one's ds:Signature/ds:Object (forged ID new, or the same ID), or placed after
// an unsigned forgery. With `same_id` the forgery carries kDupMark, which the
// test turns into the genuine ID.
std::string xsw_in_object(const std::string& genuine, const std::string& upn, bool same_id) {
  std::string forged = replace_once(to_admin(genuine, upn), "ID=\"" + id_of(genuine) + "\"",
                                    same_id ? kDupMark : "ID=\"_forged\"");
  auto at = forged.find("</ds:Signature>");
  return forged.insert(at, "<ds:Object>" + genuine + "</ds:Object>");
}
// The genuine assertion hidden in the forgery's ds:KeyInfo (which the profile
// does not read), so the Reference resolves to it while the forgery is what the
// caller would read.
std::string xsw_in_key_info(const std::string& genuine, const std::string& upn) {
  std::string forged =
      replace_once(to_admin(genuine, upn), "ID=\"" + id_of(genuine) + "\"", "ID=\"_forged\"");
  return replace_once(forged, "</ds:KeyInfo>", genuine + "</ds:KeyInfo>");
}
std::string xsw_two_assertions(const std::string& genuine, const std::string& upn) {
  std::string forged = replace_once(strip_signature(to_admin(genuine, upn)),
                                    "ID=\"" + id_of(genuine) + "\"", "ID=\"_forged\"");
  return forged + genuine;
}

TEST_F(TokenAttacks, HonestTokensPassEveryPathTheAttacksUse) {
  std::string hok = hok_token("");
  std::string delegatable = bearer_token("alice", true);
  EXPECT_TRUE(validates(hok));
  EXPECT_TRUE(validates(delegatable));
  const double issued = tokens_issued();
  EXPECT_EQ(present(hok, Use::kTokenByToken).status, 200);
  EXPECT_EQ(present(hok, Use::kRenew).status, 200);
  EXPECT_EQ(present(delegatable, Use::kActAs).status, 200);
  EXPECT_EQ(tokens_issued(), issued + 3);
  // Tokens the test signs with the tenant key (the expired and SHA-1 cases
  // below) are accepted when nothing else is wrong, so those refusals are about
  // expiry and algorithm only.
  auto now = std::chrono::system_clock::now();
  std::string own = tenant_token(now - 1min, now + 10min);
  EXPECT_TRUE(validates(own));
  Answer by_token = present(own, Use::kTokenByToken);
  EXPECT_EQ(by_token.status, 200) << by_token.body;
  std::string resigned = xmlsec1_resign(delegatable, std::string(saml::uri::kRsaSha256),
                                        std::string(saml::uri::kSha256));
  EXPECT_TRUE(validates(resigned)) << resigned;
}

TEST_F(TokenAttacks, SignatureWrappingIsRefused) {
  std::string hok = hok_token("");
  std::string delegatable = bearer_token("alice", true);
  const std::string svc_upn = between(hok, "claims/UPN\">", "</saml2:NameID>");
  {
    SCOPED_TRACE("forgery has its own ID");
    expect_refused_everywhere(xsw_in_object(hok, svc_upn, false),
                              xsw_in_object(delegatable, alice_upn(), false), "InvalidSecurity");
  }
  {
    SCOPED_TRACE("genuine assertion inside the forgery's KeyInfo");
    expect_refused_everywhere(xsw_in_key_info(hok, svc_upn),
                              xsw_in_key_info(delegatable, alice_upn()), "InvalidSecurity");
  }
  {
    // Two elements with one ID: the request is refused before any signature is
    // looked at.
    SCOPED_TRACE("forgery reuses the ID");
    *dup_id_ = id_of(hok);
    expect_refused_everywhere(xsw_in_object(hok, svc_upn, true), "", "InvalidRequest", {},
                              "InvalidRequest");
    *dup_id_ = id_of(delegatable);
    expect_refused_everywhere("", xsw_in_object(delegatable, alice_upn(), true), "InvalidRequest",
                              {}, "InvalidRequest");
    dup_id_->clear();
  }
  SCOPED_TRACE("unsigned forgery before the genuine assertion");
  expect_refused_everywhere(xsw_two_assertions(hok, svc_upn),
                            xsw_two_assertions(delegatable, alice_upn()), "InvalidRequest", {},
                            "InvalidRequest");
}

TEST_F(TokenAttacks, SignedBodyMovedIntoTheHeaderIsRefused) {
  // A genuine signed Renew request whose signed Body is moved into a header
  // wrapper, with a new Body (no wsu:Id) asking to renew another token in its
  // place. Had the server processed the new Body, the renewal would have
  // succeeded: `other` is renewable and bound to svc's key.
  std::string hok = hok_token("");
  std::string other = hok_token("alice");
  RstSpec rst;
  rst.request_type = "Renew";
  rst.key_type.clear();
  rst.renew_target = hok;
  Credential cred;
  cred.bst = &svc();
  std::string signed_request = request(rst, cred);
  std::string body = "<S:Body" + between(signed_request, "<S:Body", "</S:Body>") + "</S:Body>";
  std::string forged_body = replace_once(replace_once(body, " wsu:Id=\"_body\"", ""), hok, other);
  std::string attack = replace_once(signed_request, body, forged_body);
  attack = replace_once(attack, "</wsse:Security>",
                        "</wsse:Security><Wrapper xmlns=\"urn:x\">" + body + "</Wrapper>");
  const double issued = tokens_issued();
  expect_fault(post(attack, "Renew"), "InvalidSecurity");
  EXPECT_EQ(tokens_issued(), issued);
  expect_still_issuing();
}

TEST_F(TokenAttacks, CommentOrCdataInNameIdNeverNamesAnotherSubject) {
  // admin.eve holds genuine tokens; split inside NameID, a first-text-node
  // reader would see "admin" (another user). Exclusive c14n drops comments, so
  // the signature still verifies.
  std::string hok = hok_token("admin.eve");
  std::string delegatable = bearer_token("admin.eve", true);
  ASSERT_NE(hok.find(">admin.eve@VSPHERE.LOCAL<"), std::string::npos) << hok;
  // A comment inside NameID: the signature holds, the claim reader refuses the
  // split text, and a badly shaped token is a bad security token (docs/reference/wstrust.md §4).
  expect_refused_everywhere(replace_once(hok, "admin.eve@", "admin<!---->.eve@"),
                            replace_once(delegatable, "admin.eve@", "admin<!---->.eve@"),
                            "InvalidSecurity");
  // An element inside NameID is covered by the signature, which then fails
  // first.
  expect_refused_everywhere(replace_once(hok, "admin.eve@", "admin<x/>.eve@"),
                            replace_once(delegatable, "admin.eve@", "admin<x/>.eve@"),
                            "InvalidSecurity");
  // CDATA is text (c14n writes it as text, so the signature holds): the whole
  // value is read, and whatever is issued names admin.eve, never admin.
  const std::string cdata = "admin<![CDATA[.eve]]>@";
  for (Use use : {Use::kTokenByToken, Use::kRenew, Use::kActAs}) {
    Answer a =
        present(replace_once(use == Use::kActAs ? delegatable : hok, "admin.eve@", cdata), use);
    ASSERT_EQ(a.status, 200) << a.body;
    std::string issued = token_of(a.body);
    EXPECT_EQ(between(issued, "claims/UPN\">", "</saml2:NameID>"), "admin.eve@VSPHERE.LOCAL");
    EXPECT_EQ(issued.find(">admin@"), std::string::npos) << issued;
  }
}

TEST_F(TokenAttacks, UnsignedAndStrippedTokensAreRefused) {
  std::string hok = hok_token("");
  std::string delegatable = bearer_token("alice", true);
  expect_refused_everywhere(strip_signature(hok), strip_signature(delegatable), "InvalidSecurity");
  // Signature kept but its value emptied.
  auto empty_value = [](const std::string& t) {
    return replace_once(t, between(t, "<ds:SignatureValue>", "</ds:SignatureValue>"), "");
  };
  expect_refused_everywhere(empty_value(hok), empty_value(delegatable), "InvalidSecurity");
}

TEST_F(TokenAttacks, KeyFromKeyInfoIsNeverTrusted) {
  auto now = std::chrono::system_clock::now();
  wt::TestSigner attacker = wt::make_signer("attacker");
  expect_refused_everywhere(
      write_token(attacker.key.get(), {attacker.cert_b64}, now - 1min, now + 10min),
      write_token(attacker.key.get(), {attacker.cert_b64}, now - 1min, now + 10min, false),
      "InvalidSecurity");
  // A clone of the tenant certificate: same subject and issuer names, the
  // attacker's key.
  crypto::X509Ptr clone(X509_dup(attacker.cert.get()));
  ASSERT_EQ(X509_set_subject_name(clone.get(), X509_get_subject_name(tenant_cert())), 1);
  ASSERT_EQ(X509_set_issuer_name(clone.get(), X509_get_issuer_name(tenant_cert())), 1);
  ASSERT_GT(X509_sign(clone.get(), attacker.key.get(), EVP_sha256()), 0);
  expect_refused_everywhere(
      write_token(attacker.key.get(), {cert_b64(clone.get())}, now - 1min, now + 10min),
      write_token(attacker.key.get(), {cert_b64(clone.get())}, now - 1min, now + 10min, false),
      "InvalidSecurity");
}

TEST_F(TokenAttacks, Sha1TokenSignaturesAndDigestsAreRefused) {
  auto now = std::chrono::system_clock::now();
  std::string hok = tenant_token(now - 1min, now + 10min);
  std::string delegatable = tenant_token(now - 1min, now + 10min, false);
  const std::string rsa_sha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
  const std::string sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
  expect_refused_everywhere(xmlsec1_resign(hok, rsa_sha1, sha1),
                            xmlsec1_resign(delegatable, rsa_sha1, sha1), "UnsupportedAlgorithm");
  expect_refused_everywhere(xmlsec1_resign(hok, std::string(saml::uri::kRsaSha256), sha1),
                            xmlsec1_resign(delegatable, std::string(saml::uri::kRsaSha256), sha1),
                            "UnsupportedAlgorithm");
}

TEST_F(TokenAttacks, Sha1RequestSignaturesAreRefused) {
  std::string hok = hok_token("");
  const double issued = tokens_issued();
  expect_fault(present(hok, Use::kTokenByToken, wt::SigAlg::kRsaSha1), "UnsupportedAlgorithm");
  expect_fault(present(hok, Use::kRenew, wt::SigAlg::kRsaSha1), "UnsupportedAlgorithm");
  RstSpec rst;
  rst.key_type = "PublicKey";
  Credential cred;
  cred.bst = &svc();
  cred.alg = wt::SigAlg::kRsaSha1;
  expect_fault(send(rst, cred), "UnsupportedAlgorithm");
  EXPECT_EQ(tokens_issued(), issued);
  expect_still_issuing();
}

TEST_F(TokenAttacks, ExpiredTokensAreNotReplayable) {
  // Genuinely signed by the tenant key, but ended two hours ago (beyond the 600
  // s tolerance).
  auto now = std::chrono::system_clock::now();
  expect_refused_everywhere(tenant_token(now - 3h, now - 2h),
                            tenant_token(now - 3h, now - 2h, false), "InvalidSecurity");
  // Not yet valid either.
  expect_refused_everywhere(tenant_token(now + 2h, now + 3h),
                            tenant_token(now + 2h, now + 3h, false), "InvalidSecurity");
}

}  // namespace
}  // namespace sigil::testing
