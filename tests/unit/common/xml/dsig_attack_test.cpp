// Attacks of docs/reference/threats.md §1 against verify(): algorithm downgrade, transforms,
// reference tricks, signature wrapping, duplicate IDs, untrusted keys and text splitting.
#include <gtest/gtest.h>
#include <xmlsec/crypto.h>

#include "sigil/xml/c14n.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

using test::kSaml2Ns;
using test::test_keys;

constexpr const char* kId = "_a1b2c3";
constexpr const char* kSamlpOpen =
    "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_resp\">";

class DsigAttack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    XmlSecLibrary::ensure();
    test_keys();
  }

  // A serialised assertion signed by sign_enveloped with the trusted RSA key.
  static std::string genuine(const std::string& name_id = "Administrator@VSPHERE.LOCAL") {
    XmlDocPtr doc = test::parse_or_die(test::saml_assertion(kId, name_id));
    SignOptions o;
    o.insert_after = QName{std::string(kSaml2Ns), "Issuer"};
    EXPECT_TRUE(sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()),
                               test_keys().rsa.key.get(), {test_keys().rsa.cert.get()}, o));
    return serialize_node(doc.get(), xmlDocGetRootElement(doc.get())).value();
  }

  // A serialised assertion signed through a raw xmlsec template (shapes Sigil never emits).
  static std::string with_template(const test::TemplateSpec& spec,
                                   const test::Credential& signer = test_keys().rsa) {
    XmlDocPtr doc = test::parse_or_die(test::saml_assertion(kId));
    xmlNode* assertion = xmlDocGetRootElement(doc.get());
    EXPECT_TRUE(register_ids(doc.get()));
    EXPECT_TRUE(test::sign_with_template(doc.get(), assertion, kId, signer.key.get(), spec));
    return serialize_node(doc.get(), assertion).value();
  }

  static VerifyTrust trust() {
    return VerifyTrust{{TrustedKey{nullptr, test_keys().rsa.cert.get()}}};
  }

  // Parses `xml` and verifies the first saml2:Assertion with the trusted RSA certificate.
  Result<VerifiedNode> check(const std::string& xml) {
    doc_ = test::parse_or_die(xml);
    return verify(doc_.get(), test::find_element(doc_.get(), kSaml2Ns, "Assertion"), trust());
  }

  static void replace(std::string& s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
  }

  XmlDocPtr doc_;
};

TEST_F(DsigAttack, TemplateHelperMakesVerifiableSignatures) {
  auto v = check(with_template({}));
  ASSERT_TRUE(v) << v.error();  // so every failure below is caused by the attack alone
}

TEST_F(DsigAttack, Sha1SignatureIsUnsupportedAlgorithm) {
  test::TemplateSpec spec;
  spec.method = xmlSecTransformRsaSha1Id;
  spec.digest = xmlSecTransformSha1Id;
  auto v = check(with_template(spec));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(v.error().message, "signature algorithm is not allowed");
  EXPECT_EQ(v.error().detail, "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
}

TEST_F(DsigAttack, Sha1DigestIsUnsupportedAlgorithm) {
  test::TemplateSpec spec;
  spec.digest = xmlSecTransformSha1Id;
  auto v = check(with_template(spec));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(v.error().message, "digest algorithm is not allowed");
}

TEST_F(DsigAttack, HmacSignatureMethodIsUnsupportedAlgorithm) {
  std::string xml = genuine();
  replace(xml, "xmldsig-more#rsa-sha256", "xmldsig-more#hmac-sha256");
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kUnsupportedAlgorithm);
}

TEST_F(DsigAttack, InclusiveC14nIsUnsupportedAlgorithm) {
  test::TemplateSpec spec;
  spec.c14n = xmlSecTransformInclC14NId;
  auto v = check(with_template(spec));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(v.error().message, "canonicalization algorithm is not allowed");
}

TEST_F(DsigAttack, ExcC14nWithCommentsIsUnsupportedAlgorithm) {
  test::TemplateSpec spec;
  spec.c14n = xmlSecTransformExclC14NWithCommentsId;
  EXPECT_EQ(check(with_template(spec)).error().code, Errc::kUnsupportedAlgorithm);
  spec = {};
  spec.transforms = {xmlSecTransformEnvelopedId, xmlSecTransformExclC14NWithCommentsId};
  EXPECT_EQ(check(with_template(spec)).error().code, Errc::kUnsupportedAlgorithm);
}

TEST_F(DsigAttack, XsltTransformIsRefusedBeforeItRuns) {
  std::string xml = genuine();
  replace(xml, "<ds:Transforms>",
          "<ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\">"
          "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"/>"
          "</ds:Transform>");
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(v.error().message, "transform algorithm is not allowed");
}

TEST_F(DsigAttack, XPathTransformIsRefused) {
  test::TemplateSpec spec;
  spec.transforms = {xmlSecTransformEnvelopedId, xmlSecTransformXPathId, xmlSecTransformExclC14NId};
  EXPECT_EQ(check(with_template(spec)).error().code, Errc::kUnsupportedAlgorithm);
}

TEST_F(DsigAttack, MissingEnvelopedTransformIsInvalid) {
  test::TemplateSpec spec;
  spec.transforms = {xmlSecTransformExclC14NId};
  auto v = check(with_template(spec));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(v.error().message, "transforms must be exactly enveloped-signature, exc-c14n");
}

TEST_F(DsigAttack, EmptyReferenceUriIsInvalid) {
  test::TemplateSpec spec;
  spec.uris = {""};
  auto v = check(with_template(spec));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(v.error().message, "Reference URI must be \"#\" + the signed element's ID");
}

TEST_F(DsigAttack, XPointerReferenceUriIsInvalid) {
  test::TemplateSpec spec;
  spec.uris = {"#xpointer(/)"};
  EXPECT_EQ(check(with_template(spec)).error().code, Errc::kSignatureInvalid);
}

TEST_F(DsigAttack, TwoReferencesAreInvalid) {
  test::TemplateSpec spec;
  spec.uris = {std::string("#") + kId, std::string("#") + kId};
  auto v = check(with_template(spec));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "SignedInfo must have exactly one Reference");
}

TEST_F(DsigAttack, WrappedOriginalWithForgedCopyInItsPlaceFails) {
  // XSW: the signed assertion moves into a wrapper; a forged copy (same ID, same signature,
  // other subject) takes its place where the consumer looks.
  const std::string original = genuine();
  std::string forged = original;
  replace(forged, "Administrator@VSPHERE.LOCAL", "Attacker@VSPHERE.LOCAL");
  doc_ = test::parse_or_die(std::string(kSamlpOpen) + "<samlp:Extensions>" + original +
                            "</samlp:Extensions>" + forged + "</samlp:Response>");
  xmlNode* forged_node =
      next_sibling_element(first_child_element(xmlDocGetRootElement(doc_.get())));
  ASSERT_TRUE(is_element(forged_node, kSaml2Ns, "Assertion"));
  auto v = verify(doc_.get(), forged_node, trust());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(v.error().message, "duplicate ID in document");
}

TEST_F(DsigAttack, ForgedCopyWithItsOwnIdAndTheCopiedSignatureFails) {
  const std::string original = genuine();
  std::string forged = original;
  replace(forged, "Administrator@VSPHERE.LOCAL", "Attacker@VSPHERE.LOCAL");
  replace(forged, std::string("ID=\"") + kId, "ID=\"_forged");
  doc_ = test::parse_or_die(std::string(kSamlpOpen) + "<samlp:Extensions>" + original +
                            "</samlp:Extensions>" + forged + "</samlp:Response>");
  xmlNode* forged_node =
      next_sibling_element(first_child_element(xmlDocGetRootElement(doc_.get())));
  auto v = verify(doc_.get(), forged_node, trust());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "Reference URI must be \"#\" + the signed element's ID");
}

TEST_F(DsigAttack, ForgedAssertionWrappingTheOriginalFails) {
  const std::string original = genuine();
  std::string forged = test::saml_assertion("_forged", "Attacker@VSPHERE.LOCAL");
  replace(forged, "</saml2:Assertion>",
          "<saml2:Advice>" + original + "</saml2:Advice></saml2:Assertion>");
  auto v = check(forged);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "signed element has no ds:Signature child");
}

TEST_F(DsigAttack, DuplicateIdAnywhereInTheDocumentFails) {
  doc_ = test::parse_or_die(std::string(kSamlpOpen) + genuine() + "<Other ID=\"" + kId +
                            "\"/></samlp:Response>");
  auto v = verify(doc_.get(), first_child_element(xmlDocGetRootElement(doc_.get())), trust());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(v.error().message, "duplicate ID in document");
}

TEST_F(DsigAttack, SignatureDeeperThanADirectChildFails) {
  std::string xml = genuine();
  const size_t begin = xml.find("<ds:Signature");
  const size_t end = xml.find("</ds:Signature>") + 15;
  const std::string sig = xml.substr(begin, end - begin);
  xml.erase(begin, end - begin);
  replace(xml, "</saml2:Subject>", sig + "</saml2:Subject>");
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "signed element has no ds:Signature child");
}

TEST_F(DsigAttack, DetachedSignatureBesideTheElementFails) {
  std::string assertion = genuine();
  const size_t begin = assertion.find("<ds:Signature");
  const size_t end = assertion.find("</ds:Signature>") + 15;
  const std::string sig = assertion.substr(begin, end - begin);
  assertion.erase(begin, end - begin);
  auto v = check(std::string(kSamlpOpen) + assertion + sig + "</samlp:Response>");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(DsigAttack, TwoSignatureChildrenFail) {
  std::string xml = genuine();
  const size_t begin = xml.find("<ds:Signature");
  const size_t end = xml.find("</ds:Signature>") + 15;
  xml.insert(end, xml.substr(begin, end - begin));
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "signed element has more than one ds:Signature");
}

TEST_F(DsigAttack, ObjectInsideTheSignatureFails) {
  std::string xml = genuine();
  replace(xml, "</ds:Signature>", "<ds:Object><x/></ds:Object></ds:Signature>");
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(DsigAttack, KeyOnlyInKeyInfoIsNeverUsed) {
  // Signed by an untrusted key whose certificate sits in KeyInfo.
  test::TemplateSpec spec;
  spec.key_info = &test_keys().untrusted;
  const std::string xml = with_template(spec, test_keys().untrusted);
  ASSERT_NE(xml.find("X509Certificate>MII"), std::string::npos);
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(v.error().message, "signature does not verify with a trusted key");
}

TEST_F(DsigAttack, TrustedCertificateCopiedIntoKeyInfoDoesNotHelpAnUntrustedSigner) {
  std::string xml = with_template({}, test_keys().untrusted);
  replace(xml, "</ds:SignatureValue>",
          "</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
              test::base64_der(test_keys().rsa.cert.get()) +
              "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>");
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(DsigAttack, EcdsaSignatureWithOnlyRsaTrustFails) {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion(kId));
  ASSERT_TRUE(
      sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()), test_keys().ec.key.get(), {}));
  auto v = verify(doc.get(), xmlDocGetRootElement(doc.get()), trust());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "no trusted key fits the signature method");
}

TEST_F(DsigAttack, NonNcNameIdIsRefused) {
  std::string xml = genuine();
  replace(xml, std::string("ID=\"") + kId + "\"", "ID=\"x') or ('1\"");
  auto v = check(xml);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "element ID is not an NCName");
}

TEST_F(DsigAttack, CommentInjectionVerifiesButNodeTextRefusesTheSplitValue) {
  // c14n drops comments, so the signature over "admin@example.com.evil.org" still holds after a
  // comment is inserted; a first-text-child reader would now see "admin@example.com".
  std::string xml = genuine("admin@example.com.evil.org");
  replace(xml, "admin@example.com.evil.org", "admin@example.com<!---->.evil.org");
  auto v = check(xml);
  ASSERT_TRUE(v) << v.error();
  xmlNode* name_id = test::find_element(doc_.get(), kSaml2Ns, "NameID");
  ASSERT_NE(name_id, nullptr);
  EXPECT_STREQ(reinterpret_cast<const char*>(name_id->children->content), "admin@example.com");
  auto text = node_text(name_id);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, Errc::kMalformedRequest);
}

TEST_F(DsigAttack, CdataSplitValueReadsAsTheSignedWhole) {
  std::string xml = genuine("admin@example.com.evil.org");
  replace(xml, "admin@example.com.evil.org", "admin@example.com<![CDATA[.evil]]>.org");
  auto v = check(xml);
  ASSERT_TRUE(v) << v.error();
  xmlNode* name_id = test::find_element(doc_.get(), kSaml2Ns, "NameID");
  EXPECT_EQ(node_text(name_id).value(), "admin@example.com.evil.org");
}

}  // namespace
}  // namespace sigil::xml
