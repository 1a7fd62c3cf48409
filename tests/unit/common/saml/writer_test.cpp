#include "sigil/saml/writer.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "test_identity.hpp"

namespace sigil::saml {
namespace {

using namespace std::chrono;

TimePoint at(int h, int m, int s, int ms) {
  return sys_days{year{2026} / 1 / 2} + hours{h} + minutes{m} + seconds{s} + milliseconds{ms};
}

AssertionSpec bearer_spec() {
  AssertionSpec s;
  s.id = "_6b0c";
  s.issue_instant = at(10, 0, 0, 456);
  s.issuer = "https://sts.example/websso/SAML2/Metadata/vsphere.local";
  s.subject_upn = "Administrator@VSPHERE.LOCAL";
  s.not_before = at(10, 0, 0, 456);
  s.not_on_or_after = at(10, 5, 0, 456);
  s.proxy_count = 10;
  s.renew_count = 10;
  s.authn_instant = at(10, 0, 0, 450);
  s.attributes = {{"Groups", std::string(uri::kAttrGroups),
                   {"vsphere.local\\Users", "vsphere.local\\Administrators"}},
                  {"Subject Type", std::string(uri::kAttrSubjectType), {"false"}}};
  return s;
}

// An example token in the shape of docs/reference/wstrust.md §3.3, in exclusive canonical
// form with InclusiveNamespaces "xs xsi" and without the signature.
constexpr std::string_view kExpectedDigestForm =
    R"(<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_6b0c" IssueInstant="2026-01-02T10:00:00.456Z" Version="2.0">)"
    R"(<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">https://sts.example/websso/SAML2/Metadata/vsphere.local</saml2:Issuer>)"
    R"(<saml2:Subject><saml2:NameID Format="http://schemas.xmlsoap.org/claims/UPN">Administrator@VSPHERE.LOCAL</saml2:NameID>)"
    R"(<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData NotOnOrAfter="2026-01-02T10:05:00.456Z"></saml2:SubjectConfirmationData></saml2:SubjectConfirmation></saml2:Subject>)"
    R"(<saml2:Conditions NotBefore="2026-01-02T10:00:00.456Z" NotOnOrAfter="2026-01-02T10:05:00.456Z"><saml2:ProxyRestriction Count="10"></saml2:ProxyRestriction>)"
    R"(<saml2:Condition Count="10" xsi:type="rsa:RenewRestrictionType"></saml2:Condition></saml2:Conditions>)"
    R"(<saml2:AuthnStatement AuthnInstant="2026-01-02T10:00:00.450Z"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>)"
    R"(<saml2:AttributeStatement><saml2:Attribute FriendlyName="Groups" Name="http://rsa.com/schemas/attr-names/2009/01/GroupIdentity" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml2:AttributeValue xsi:type="xs:string">vsphere.local\Users</saml2:AttributeValue><saml2:AttributeValue xsi:type="xs:string">vsphere.local\Administrators</saml2:AttributeValue></saml2:Attribute>)"
    R"(<saml2:Attribute FriendlyName="Subject Type" Name="http://vmware.com/schemas/attr-names/2011/07/isSolution" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml2:AttributeValue xsi:type="xs:string">false</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>)";

TEST(SamlWriter, DigestFormIsTheContractsAssertionInCanonicalForm) {
  EXPECT_EQ(write_digest_form(bearer_spec()), kExpectedDigestForm);
}

TEST(SamlWriter, EscapesTextAndAttributesAsCanonicalXmlDoes) {
  AssertionSpec s = bearer_spec();
  s.subject_upn = "a&b<c>d\re";
  s.attributes[0].friendly_name = "q\"t\tn\nr";
  std::string out = write_digest_form(s);
  EXPECT_NE(out.find(">a&amp;b&lt;c&gt;d&#xD;e<"), std::string::npos);
  EXPECT_NE(out.find(R"(FriendlyName="q&quot;t&#x9;n&#xA;r")"), std::string::npos);
}

TEST(SamlWriter, HolderOfKeyCarriesOnlyTheKeyInfoConfirmation) {
  AssertionSpec s = bearer_spec();
  s.confirmation = Confirmation::kHolderOfKey;
  s.hok_certificate_b64 = "MIIB";
  std::string out = write_digest_form(s);
  EXPECT_NE(out.find(R"(<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"><saml2:SubjectConfirmationData xsi:type="saml2:KeyInfoConfirmationDataType"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>MIIB</ds:X509Certificate></ds:X509Data></ds:KeyInfo></saml2:SubjectConfirmationData></saml2:SubjectConfirmation>)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("SubjectConfirmationData NotOnOrAfter"), std::string::npos);
}

TEST(SamlWriter, ConditionsComeInVCentersOrderAndRenewIsOmittedAtZero) {
  AssertionSpec s = bearer_spec();
  s.renew_count = 0;
  s.delegates = {{"svc@VSPHERE.LOCAL", at(10, 0, 0, 0)}};
  s.confirmation_upn = "svc@VSPHERE.LOCAL";
  s.audience = "urn:vc";
  std::string out = write_digest_form(s);
  auto proxy = out.find("<saml2:ProxyRestriction");
  auto del = out.find(R"(<saml2:Condition xsi:type="del:DelegationRestrictionType"><del:Delegate xmlns:del="urn:oasis:names:tc:SAML:2.0:conditions:delegation" DelegationInstant="2026-01-02T10:00:00.000Z"><saml2:NameID)");
  auto aud = out.find("<saml2:AudienceRestriction><saml2:Audience>urn:vc</saml2:Audience>");
  ASSERT_NE(del, std::string::npos) << out;
  EXPECT_LT(proxy, del);
  EXPECT_LT(del, aud);
  EXPECT_EQ(out.find("RenewRestrictionType"), std::string::npos);
  EXPECT_NE(out.find(R"(<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:NameID Format="http://schemas.xmlsoap.org/claims/UPN">svc@VSPHERE.LOCAL</saml2:NameID>)"),
            std::string::npos);
}

TEST(SamlWriter, WireFormIsTheDigestFormPlusSignatureAfterIssuerAndRsaDeclaration) {
  auto signer = testing::make_test_identity(crypto::KeyType::kRsa2048);
  AssertionSpec s = bearer_spec();
  auto wire = write_signed_assertion(s, {signer.key.get(), {signer.cert_b64, signer.cert_b64}});
  ASSERT_TRUE(wire) << wire.error();
  auto sig_start = wire->find("<ds:Signature ");
  auto sig_end = wire->find("</ds:Signature>");
  ASSERT_NE(sig_start, std::string::npos);
  EXPECT_EQ(sig_start, wire->find("</saml2:Issuer>") + std::string_view("</saml2:Issuer>").size());
  std::string stripped = wire->substr(0, sig_start) + wire->substr(sig_end + 15);
  std::string rsa = " xmlns:rsa=\"http://www.rsa.com/names/2009/12/std-ext/SAML2.0\"";
  auto rsa_at = stripped.find(rsa);
  ASSERT_NE(rsa_at, std::string::npos);
  stripped.erase(rsa_at, rsa.size());
  EXPECT_EQ(stripped, kExpectedDigestForm);
  EXPECT_EQ(wire->find('\n'), std::string::npos);
  EXPECT_NE(wire->find("#rsa-sha256"), std::string::npos);
  // The certificate chain, leaf first, in KeyInfo.
  EXPECT_NE(wire->find("<ds:X509Data><ds:X509Certificate>" + signer.cert_b64 +
                       "</ds:X509Certificate><ds:X509Certificate>"),
            std::string::npos);
}

TEST(SamlWriter, EcdsaSignatureValueIsRawRAndS) {
  auto signer = testing::make_test_identity(crypto::KeyType::kEcdsaP256);
  auto wire = write_signed_assertion(bearer_spec(), {signer.key.get(), {signer.cert_b64}});
  ASSERT_TRUE(wire) << wire.error();
  EXPECT_NE(wire->find("#ecdsa-sha256"), std::string::npos);
  auto b = wire->find("<ds:SignatureValue>") + 19;
  auto e = wire->find("</ds:SignatureValue>");
  auto raw = crypto::base64_decode(wire->substr(b, e - b));
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 64u);  // r || s, 32 bytes each for P-256
}

TEST(SamlWriter, RefusesToSignWithoutAKey) {
  auto r = write_signed_assertion(bearer_spec(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kKeyNotFound);
}

TEST(SamlWriter, RefusesToSignTextXmlCannotCarryInAnyField) {
  auto signer = testing::make_test_identity(crypto::KeyType::kEcdsaP256);
  const SigningIdentity id{signer.key.get(), {signer.cert_b64}};
  const std::string nul("urn:vc\0x", 8);
  std::vector<std::pair<std::string, std::function<void(AssertionSpec&)>>> cases = {
      {"Audience", [&](AssertionSpec& s) { s.audience = nul; }},
      {"Audience", [](AssertionSpec& s) { s.audience = "urn:\x01vc"; }},
      {"Audience", [](AssertionSpec& s) { s.audience = "urn:vc\xEF\xBF\xBE"; }},  // U+FFFE
      {"subject NameID", [](AssertionSpec& s) { s.subject_upn = "bob\x02@VSPHERE.LOCAL"; }},
      {"Delegate NameID",
       [](AssertionSpec& s) { s.delegates = {{"svc\x1B@VSPHERE.LOCAL", s.issue_instant}}; }},
      {"attribute value", [](AssertionSpec& s) { s.attributes[0].values.push_back("g\x7F\x10"); }},
      {"attribute name", [](AssertionSpec& s) { s.attributes[1].friendly_name = "\xFF"; }},
      {"Issuer", [](AssertionSpec& s) { s.issuer += "\x0B"; }},
  };
  for (const auto& [field, spoil] : cases) {
    AssertionSpec s = bearer_spec();
    spoil(s);
    auto r = write_signed_assertion(s, id);
    ASSERT_FALSE(r) << field;
    EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  }
  AssertionSpec fine = bearer_spec();
  fine.audience = "urn:vc tab\tand \xC3\x84";
  EXPECT_TRUE(write_signed_assertion(fine, id));
}

}  // namespace
}  // namespace sigil::saml
