// The assertions Sigil writes must verify with the xmlsec1 command-line tool (libxmlsec1, an
// independent implementation), given only the signing certificate — alone, inside a SOAP
// response with foreign namespace declarations, and never once modified.
#include <gtest/gtest.h>

#include <fstream>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/writer.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::saml {
namespace {

using namespace std::chrono;

struct Identity {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string cert_pem;
  std::string cert_b64;
};

Identity make_identity(crypto::KeyType type) {
  Identity id;
  id.key = *crypto::generate_key(type);
  crypto::CertRequest req;
  req.subject.common_name = "vsphere.local signing";
  req.subject_key = id.key.get();
  req.issuer_key = id.key.get();
  req.not_before = system_clock::now() - hours{1};
  req.not_after = req.not_before + hours{24 * 365};
  req.key_usage.digital_signature = true;
  id.cert = std::move(*crypto::issue_certificate(req));
  id.cert_pem = *crypto::write_certificate_pem(id.cert.get());
  id.cert_b64 = crypto::base64_encode(*crypto::write_certificate_der(id.cert.get()));
  return id;
}

AssertionSpec spec_with_everything(const Identity& holder) {
  AssertionSpec s;
  s.id = "_0f6a7c52-5b3e-4d0e-9a51-7b6ad8a3c1de";
  s.issue_instant = system_clock::now();
  s.issuer = "https://sts.example/websso/SAML2/Metadata/vsphere.local";
  s.subject_upn = "Administrator@VSPHERE.LOCAL";
  s.confirmation = Confirmation::kHolderOfKey;
  s.hok_certificate_b64 = holder.cert_b64;
  s.not_before = s.issue_instant;
  s.not_on_or_after = s.issue_instant + minutes{30};
  s.proxy_count = 9;
  s.delegates = {{"svc@VSPHERE.LOCAL", s.issue_instant}};
  s.confirmation_upn = "svc@VSPHERE.LOCAL";
  s.renew_count = 10;
  s.audience = "urn:vc & co";
  s.authn_instant = s.issue_instant;
  s.authn_method = AuthnMethod::kXmlDsig;
  s.attributes = {{"Groups", std::string(uri::kAttrGroups), {"vsphere.local\\Users", "a<b>&\"c\""}},
                  {"givenName", std::string(uri::kAttrGivenName), {"Ädministrator"}}};
  return s;
}

class Xmlsec1Assertion : public ::testing::TestWithParam<crypto::KeyType> {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::create("sigil-xmlsec1-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    signer_ = make_identity(GetParam());
    holder_ = make_identity(crypto::KeyType::kRsa2048);
    std::ofstream(dir_->path() / "signing.pem") << signer_.cert_pem;
  }

  // Runs `xmlsec1 --verify` on `xml` with only the signing certificate as trust.
  testing::ProcessResult xmlsec1_verify(const std::string& xml) {
    auto file = dir_->path() / "doc.xml";
    std::ofstream(file) << xml;
    testing::ProcessOptions options;
    options.timeout = seconds{30};
    auto r = testing::run_process(
        {"xmlsec1", "--verify", "--pubkey-cert-pem", (dir_->path() / "signing.pem").string(),
         "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", file.string()},
        options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : testing::ProcessResult{};
  }

  std::optional<testing::TempDir> dir_;
  Identity signer_;
  Identity holder_;
};

TEST_P(Xmlsec1Assertion, VerifiesAnAssertionWeSigned) {
  auto wire = write_signed_assertion(spec_with_everything(holder_),
                                     {signer_.key.get(), {signer_.cert_b64}});
  ASSERT_TRUE(wire) << wire.error();
  auto r = xmlsec1_verify(*wire);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("OK"), std::string::npos) << r.err;
}

TEST_P(Xmlsec1Assertion, VerifiesItInsideAResponseWithForeignNamespaces) {
  auto wire = write_signed_assertion(spec_with_everything(holder_),
                                     {signer_.key.get(), {signer_.cert_b64}});
  ASSERT_TRUE(wire) << wire.error();
  std::string envelope =
      R"(<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xs="urn:other-xs" xmlns:ds="urn:not-dsig"><S:Body>)"
      R"(<wst:RequestSecurityTokenResponseCollection xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestSecurityTokenResponse><wst:RequestedSecurityToken>)" +
      *wire +
      R"(</wst:RequestedSecurityToken></wst:RequestSecurityTokenResponse></wst:RequestSecurityTokenResponseCollection></S:Body></S:Envelope>)";
  auto r = xmlsec1_verify(envelope);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Xmlsec1Assertion, RejectsAModifiedAssertion) {
  auto wire = write_signed_assertion(spec_with_everything(holder_),
                                     {signer_.key.get(), {signer_.cert_b64}});
  ASSERT_TRUE(wire) << wire.error();
  std::string forged = *wire;
  auto at = forged.find("Administrator@VSPHERE.LOCAL");
  forged.replace(at, 13, "Mallory000000");
  auto r = xmlsec1_verify(forged);
  EXPECT_NE(r.exit_code, 0) << r.out;
}

TEST_P(Xmlsec1Assertion, RejectsAnAssertionSignedByAnotherKey) {
  Identity other = make_identity(GetParam());
  auto wire = write_signed_assertion(spec_with_everything(holder_),
                                     {other.key.get(), {other.cert_b64}});
  ASSERT_TRUE(wire) << wire.error();
  auto r = xmlsec1_verify(*wire);
  EXPECT_NE(r.exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, Xmlsec1Assertion,
                         ::testing::Values(crypto::KeyType::kRsa2048, crypto::KeyType::kEcdsaP256),
                         [](const auto& info) {
                           return std::string(info.param == crypto::KeyType::kRsa2048 ? "Rsa2048"
                                                                                      : "EcdsaP256");
                         });

}  // namespace
}  // namespace sigil::saml
