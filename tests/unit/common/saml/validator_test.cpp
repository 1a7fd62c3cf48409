#include "sigil/saml/validator.hpp"

#include <gtest/gtest.h>

#include "sigil/saml/names.hpp"
#include "sigil/saml/writer.hpp"
#include "sigil/xml/library.hpp"
#include "test_identity.hpp"

namespace sigil::saml {
namespace {

using namespace std::chrono;
using testing::make_test_identity;
using testing::TestIdentity;

const TimePoint kIssued = sys_days{year{2026} / 3 / 1} + hours{12};
constexpr char kIssuer[] = "https://sts.example/websso/SAML2/Metadata/vsphere.local";

class SamlValidator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    xml::XmlSecLibrary::ensure();
    signer_ = new TestIdentity(make_test_identity(crypto::KeyType::kRsa2048));
    other_ = new TestIdentity(make_test_identity(crypto::KeyType::kRsa2048));
    holder_ = new TestIdentity(make_test_identity(crypto::KeyType::kEcdsaP256));
  }
  static void TearDownTestSuite() {
    delete signer_;
    delete other_;
    delete holder_;
  }

  AssertionSpec spec() const {
    AssertionSpec s;
    s.id = "_a1";
    s.issue_instant = kIssued;
    s.issuer = kIssuer;
    s.subject_upn = "alice@VSPHERE.LOCAL";
    s.confirmation = Confirmation::kHolderOfKey;
    s.hok_certificate_b64 = holder_->cert_b64;
    s.not_before = kIssued;
    s.not_on_or_after = kIssued + minutes{30};
    s.proxy_count = 10;
    s.renew_count = 5;
    s.delegates = {{"svc@VSPHERE.LOCAL", kIssued}};
    s.confirmation_upn = "svc@VSPHERE.LOCAL";
    s.audience = "urn:vc";
    s.authn_instant = kIssued;
    s.authn_method = AuthnMethod::kXmlDsig;
    s.attributes = {{"Groups", std::string(uri::kAttrGroups), {"vsphere.local\\Users"}}};
    return s;
  }

  std::string sign(const AssertionSpec& s, const TestIdentity& id) const {
    auto wire = write_signed_assertion(s, {id.key.get(), {id.cert_b64}});
    EXPECT_TRUE(wire) << wire.error();
    return *wire;
  }

  Result<ValidatedAssertion> validate(const std::string& token, TimePoint now,
                                      ValidationPolicy policy = {}) const {
    auto parsed = parse_token(token);
    if (!parsed) return unexpected(parsed.error());
    ManualClock clock(now);
    std::vector<TrustedSigningKey> keys = {{"old", other_->cert.get()},
                                           {"k1", signer_->cert.get()}};
    return validate_assertion(parsed->doc.get(), parsed->assertion, keys, policy, clock);
  }

  static TestIdentity* signer_;
  static TestIdentity* other_;
  static TestIdentity* holder_;
};
TestIdentity* SamlValidator::signer_ = nullptr;
TestIdentity* SamlValidator::other_ = nullptr;
TestIdentity* SamlValidator::holder_ = nullptr;

TEST_F(SamlValidator, ReadsBackEveryClaimTheWriterWrote) {
  AssertionSpec s = spec();
  auto v = validate(sign(s, *signer_), kIssued + minutes{1});
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->signing_key_id, "k1");
  const AssertionSpec& c = v->claims;
  EXPECT_EQ(c.id, s.id);
  EXPECT_EQ(c.issuer, s.issuer);
  EXPECT_EQ(c.subject_upn, s.subject_upn);
  EXPECT_EQ(c.confirmation, Confirmation::kHolderOfKey);
  EXPECT_EQ(c.hok_certificate_b64, holder_->cert_b64);
  EXPECT_EQ(c.confirmation_upn, s.confirmation_upn);
  EXPECT_EQ(c.not_before, s.not_before);
  EXPECT_EQ(c.not_on_or_after, s.not_on_or_after);
  EXPECT_EQ(c.proxy_count, 10);
  EXPECT_EQ(c.renew_count, 5);
  ASSERT_EQ(c.delegates.size(), 1u);
  EXPECT_EQ(c.delegates[0].upn, "svc@VSPHERE.LOCAL");
  EXPECT_EQ(c.audience, "urn:vc");
  EXPECT_EQ(c.authn_method, AuthnMethod::kXmlDsig);
  ASSERT_EQ(c.attributes.size(), 1u);
  EXPECT_EQ(c.attributes[0].values, std::vector<std::string>{"vsphere.local\\Users"});
  ASSERT_TRUE(v->hok_certificate);
  EXPECT_EQ(X509_cmp(v->hok_certificate.get(), holder_->cert.get()), 0);
}

TEST_F(SamlValidator, TimeWindowBoundariesAreExactWithTolerance) {
  std::string token = sign(spec(), *signer_);
  ValidationPolicy p;
  p.clock_tolerance = seconds{600};
  EXPECT_TRUE(validate(token, kIssued - seconds{600}, p));
  auto early = validate(token, kIssued - seconds{600} - milliseconds{1}, p);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::kTokenExpired);
  EXPECT_EQ(early.error().message, "token is not yet valid");
  EXPECT_TRUE(validate(token, kIssued + minutes{30} + seconds{600} - milliseconds{1}, p));
  auto late = validate(token, kIssued + minutes{30} + seconds{600}, p);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().message, "token has expired");
  p.clock_tolerance = seconds{0};
  EXPECT_FALSE(validate(token, kIssued + minutes{30}, p));
}

TEST_F(SamlValidator, RefusesATokenSignedByAnUntrustedKey) {
  TestIdentity stranger = make_test_identity(crypto::KeyType::kRsa2048, "sts signing");
  auto v = validate(sign(spec(), stranger), kIssued);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(SamlValidator, RefusesAModifiedToken) {
  std::string token = sign(spec(), *signer_);
  token.replace(token.find("alice@"), 6, "admin@");
  auto v = validate(token, kIssued);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(SamlValidator, RefusesAnotherTenantsIssuerAndAWrongAudience) {
  std::string token = sign(spec(), *signer_);
  ValidationPolicy p;
  p.expected_issuer = "https://sts.example/websso/SAML2/Metadata/other.local";
  EXPECT_EQ(validate(token, kIssued, p).error().code, Errc::kPermissionDenied);
  ValidationPolicy a;
  a.audience = "urn:other";
  EXPECT_EQ(validate(token, kIssued, a).error().code, Errc::kPermissionDenied);
  a.audience = "urn:vc";
  EXPECT_TRUE(validate(token, kIssued, a));
}

TEST_F(SamlValidator, AcceptNoAudienceStillRefusesAnotherAudience) {
  ValidationPolicy p;
  p.audience = "urn:sigil:certmgr:admin";
  p.accept_no_audience = true;
  EXPECT_EQ(validate(sign(spec(), *signer_), kIssued, p).error().code, Errc::kPermissionDenied);
  AssertionSpec none = spec();
  none.audience.reset();
  EXPECT_TRUE(validate(sign(none, *signer_), kIssued, p));
  p.accept_no_audience = false;
  EXPECT_EQ(validate(sign(none, *signer_), kIssued, p).error().code, Errc::kPermissionDenied);
}

TEST_F(SamlValidator, ChainCapTravelsInTheSignedTokenAndIsNotASubjectAttribute) {
  AssertionSpec s = spec();
  s.chain_not_on_or_after = kIssued + minutes{5};
  const std::string token = sign(s, *signer_);
  EXPECT_NE(token.find("FriendlyName=\"ChainNotOnOrAfter\""), std::string::npos) << token;
  auto v = validate(token, kIssued);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->claims.chain_not_on_or_after, kIssued + minutes{5});
  ASSERT_EQ(v->claims.attributes.size(), 1u);  // Groups only
  // Without a cap there is no such attribute, and none is read back.
  auto plain = validate(sign(spec(), *signer_), kIssued);
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_FALSE(plain->claims.chain_not_on_or_after);
  // A moved cap breaks the signature.
  std::string moved = token;
  const std::string at = "12:05:00.000Z</saml2:AttributeValue>";
  ASSERT_NE(moved.find(at), std::string::npos) << moved;
  moved.replace(moved.find(at), 2, "23");
  EXPECT_EQ(validate(moved, kIssued).error().code, Errc::kSignatureInvalid);
}

TEST_F(SamlValidator, SubjectTypeSaysWhichKindOfPrincipalTheTokenNames) {
  AssertionSpec s = spec();
  EXPECT_FALSE(subject_is_solution_user(s));
  s.attributes.push_back({"Subject Type", std::string(uri::kAttrSubjectType), {"true"}});
  EXPECT_EQ(subject_is_solution_user(s), std::optional<bool>(true));
  s.attributes.back().values = {"false"};
  EXPECT_EQ(subject_is_solution_user(s), std::optional<bool>(false));
  s.attributes.back().values = {"TRUE"};
  EXPECT_FALSE(subject_is_solution_user(s));
}

TEST_F(SamlValidator, CommentSplitNameIdVerifiesButIsRefusedAsAClaim) {
  // Exclusive c14n drops comments, so the signature still holds; the reader must not take a
  // prefix of the text (docs/reference/threats.md §1.3: text splitting).
  std::string token = sign(spec(), *signer_);
  token.replace(token.find("alice@VSPHERE.LOCAL"), 19, "alice@VSPHERE.LOCAL<!---->");
  auto v = validate(token, kIssued);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kMalformedRequest);
}

TEST_F(SamlValidator, RefusesAWrappedAssertion) {
  // XSW: the genuine assertion is moved inside a forged one with the same ID.
  std::string genuine = sign(spec(), *signer_);
  std::string forged = genuine;
  forged.replace(forged.find("alice@"), 6, "admin@");
  auto insert_at = forged.find("</saml2:Issuer>") + 15;
  std::string wrapped = forged.substr(0, insert_at) +
                        "<saml2:Advice>" + genuine + "</saml2:Advice>" + forged.substr(insert_at);
  auto v = validate(wrapped, kIssued);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(SamlValidator, RefusesADocumentThatIsNotAnAssertion) {
  EXPECT_EQ(parse_token("<a/>").error().code, Errc::kMalformedRequest);
  EXPECT_EQ(parse_token("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>").error().code,
            Errc::kMalformedRequest);
  EXPECT_EQ(parse_token("not xml").error().code, Errc::kMalformedRequest);
}

TEST_F(SamlValidator, NeedsAtLeastOneKey) {
  auto parsed = parse_token(sign(spec(), *signer_));
  ASSERT_TRUE(parsed);
  ManualClock clock(kIssued);
  auto v = validate_assertion(parsed->doc.get(), parsed->assertion, {}, {}, clock);
  EXPECT_EQ(v.error().code, Errc::kKeyNotFound);
}

}  // namespace
}  // namespace sigil::saml
