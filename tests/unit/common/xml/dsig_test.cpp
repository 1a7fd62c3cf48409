#include "sigil/xml/dsig.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <xmlsec/strings.h>

#include "sigil/xml/c14n.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

using test::kSaml2Ns;
using test::test_keys;

SignOptions saml_options() {
  SignOptions o;
  o.insert_after = QName{std::string(kSaml2Ns), "Issuer"};
  o.inclusive_prefixes = {"xs", "xsi"};
  return o;
}

// Signs a fresh assertion with `cred` (chain: leaf, CA) and returns the serialised bytes.
std::string signed_assertion(const test::Credential& cred,
                             const std::string& name_id = "Administrator@VSPHERE.LOCAL") {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion("_a1b2c3", name_id));
  xmlNode* assertion = xmlDocGetRootElement(doc.get());
  auto ok = sign_enveloped(doc.get(), assertion, cred.key.get(),
                           {cred.cert.get(), test_keys().ca.cert.get()}, saml_options());
  EXPECT_TRUE(ok) << ok.error();
  return serialize(doc.get()).value();
}

VerifyTrust trust_of(const test::Credential& cred) {
  return VerifyTrust{{TrustedKey{nullptr, cred.cert.get()}}};
}

Result<VerifiedNode> verify_bytes(const std::string& xml, const VerifyTrust& trust,
                                  XmlDocPtr& doc) {
  doc = test::parse_or_die(xml);
  return verify(doc.get(), xmlDocGetRootElement(doc.get()), trust);
}

class Dsig : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    XmlSecLibrary::ensure();
    test_keys();
  }
  XmlDocPtr doc_;
};

TEST_F(Dsig, RsaSignatureRoundTrips) {
  auto v = verify_bytes(signed_assertion(test_keys().rsa), trust_of(test_keys().rsa), doc_);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->node, xmlDocGetRootElement(doc_.get()));
  EXPECT_EQ(v->algorithm, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  EXPECT_EQ(v->trusted_key_index, 0u);
}

TEST_F(Dsig, EcdsaSignatureRoundTrips) {
  auto v = verify_bytes(signed_assertion(test_keys().ec), trust_of(test_keys().ec), doc_);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->algorithm, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256");
}

TEST_F(Dsig, VerifiesInTheSameTreeThatWasSigned) {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion());
  xmlNode* assertion = xmlDocGetRootElement(doc.get());
  ASSERT_TRUE(sign_enveloped(doc.get(), assertion, test_keys().rsa.key.get(), {}));
  auto v = verify(doc.get(), assertion, VerifyTrust{{TrustedKey{test_keys().rsa.key.get()}}});
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->node, assertion);
}

TEST_F(Dsig, SignatureHasTheContractShape) {
  doc_ = test::parse_or_die(signed_assertion(test_keys().rsa));
  xmlNode* assertion = xmlDocGetRootElement(doc_.get());
  xmlNode* issuer = first_child_element(assertion);
  xmlNode* sig = next_sibling_element(issuer);
  ASSERT_TRUE(is_element(sig, kDsigNs, "Signature"));
  EXPECT_STREQ(reinterpret_cast<const char*>(sig->ns->prefix), "ds");
  EXPECT_EQ(sig->properties, nullptr);  // no Id
  const std::string xml = serialize_node(doc_.get(), sig).value();
  EXPECT_EQ(xml.find('\n'), std::string::npos) << xml;  // one line, base64 without breaks
  EXPECT_NE(
      xml.find("<ds:Reference URI=\"#_a1b2c3\"><ds:Transforms>"
               "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-"
               "signature\"/><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-"
               "c14n#\"><InclusiveNamespaces xmlns=\"http://www.w3.org/2001/10/xml-exc-c14n#\""
               " PrefixList=\"xs xsi\"/>"),
      std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"),
            std::string::npos);
  EXPECT_EQ(xml.find(" Id="), std::string::npos);
}

TEST_F(Dsig, KeyInfoCarriesTheChainLeafFirst) {
  doc_ = test::parse_or_die(signed_assertion(test_keys().rsa));
  xmlNode* x509_data = test::find_element(doc_.get(), kDsigNs, "X509Data");
  ASSERT_NE(x509_data, nullptr);
  xmlNode* leaf = first_child_element(x509_data);
  xmlNode* ca = next_sibling_element(leaf);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(next_sibling_element(ca), nullptr);
  EXPECT_EQ(node_text(leaf).value(), test::base64_der(test_keys().rsa.cert.get()));
  EXPECT_EQ(node_text(ca).value(), test::base64_der(test_keys().ca.cert.get()));
}

TEST_F(Dsig, DefaultPlacementIsTheFirstChild) {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion());
  xmlNode* assertion = xmlDocGetRootElement(doc.get());
  ASSERT_TRUE(sign_enveloped(doc.get(), assertion, test_keys().ec.key.get(), {}));
  EXPECT_TRUE(is_element(assertion->children, kDsigNs, "Signature"));
  EXPECT_EQ(test::find_element(doc.get(), kDsigNs, "KeyInfo"), nullptr);  // no chain, no KeyInfo
}

TEST_F(Dsig, ChangedTextInvalidatesTheSignature) {
  std::string xml = signed_assertion(test_keys().rsa);
  xml.replace(xml.find("Administrator@VSPHERE.LOCAL"), 13, "Administrat0r");
  auto v = verify_bytes(xml, trust_of(test_keys().rsa), doc_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
  EXPECT_FALSE(v.error().detail.empty());
}

TEST_F(Dsig, ChangedAttributeInvalidatesTheSignature) {
  std::string xml = signed_assertion(test_keys().ec);
  xml.replace(xml.find("NotOnOrAfter=\"2026-01-02T10:05"), 30, "NotOnOrAfter=\"2036-01-02T10:05");
  auto v = verify_bytes(xml, trust_of(test_keys().ec), doc_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(Dsig, ChangedSignatureValueInvalidatesTheSignature) {
  std::string xml = signed_assertion(test_keys().rsa);
  const size_t at = xml.find("<ds:SignatureValue>") + 19;
  xml[at] = xml[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_bytes(xml, trust_of(test_keys().rsa), doc_).error().code,
            Errc::kSignatureInvalid);
}

TEST_F(Dsig, WrongTrustedKeyDoesNotVerify) {
  auto v = verify_bytes(signed_assertion(test_keys().rsa), trust_of(test_keys().untrusted), doc_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(Dsig, EmptyTrustIsKeyNotFound) {
  auto v = verify_bytes(signed_assertion(test_keys().rsa), VerifyTrust{}, doc_);
  EXPECT_EQ(v.error().code, Errc::kKeyNotFound);
}

TEST_F(Dsig, KeyInfoHintPicksTheMatchingTrustedCertificate) {
  VerifyTrust trust{{TrustedKey{nullptr, test_keys().untrusted.cert.get()},
                     TrustedKey{nullptr, test_keys().ca.cert.get()},
                     TrustedKey{nullptr, test_keys().rsa.cert.get()}}};
  auto v = verify_bytes(signed_assertion(test_keys().rsa), trust, doc_);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->trusted_key_index, 2u);
  EXPECT_EQ(v.value().node, xmlDocGetRootElement(doc_.get()));
}

TEST_F(Dsig, WithoutAHintEveryTrustedKeyOfTheRightTypeIsTried) {
  VerifyTrust trust{{TrustedKey{test_keys().ec.key.get()},
                     TrustedKey{test_keys().untrusted.key.get()},
                     TrustedKey{test_keys().rsa.key.get()}}};
  auto v = verify_bytes(signed_assertion(test_keys().rsa), trust, doc_);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->trusted_key_index, 2u);
}

TEST_F(Dsig, SigningNeedsAnIdOnTheElement) {
  XmlDocPtr doc = test::parse_or_die("<a><b/></a>");
  auto r =
      sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()), test_keys().rsa.key.get(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message, "element to sign: signed element has no ID");
}

TEST_F(Dsig, SigningRefusesACertificateThatDoesNotMatchTheKey) {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion());
  auto r = sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()), test_keys().rsa.key.get(),
                          {test_keys().ec.cert.get()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(test::find_element(doc.get(), kDsigNs, "Signature"), nullptr);
}

TEST_F(Dsig, SigningRefusesAShortRsaKey) {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion());
  crypto::EvpPkeyPtr weak = test::make_rsa_key(1024);
  auto r = sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()), weak.get(), {});
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST_F(Dsig, SigningRefusesAMissingAnchor) {
  XmlDocPtr doc = test::parse_or_die(test::saml_assertion());
  SignOptions o;
  o.insert_after = QName{"urn:nowhere", "Issuer"};
  auto r =
      sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()), test_keys().rsa.key.get(), {}, o);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(test::find_element(doc.get(), kDsigNs, "Signature"), nullptr);
}

TEST_F(Dsig, ConcurrentSignAndVerifyOnSeparateDocumentsSucceed) {
  std::atomic<int> failures{0};
  auto worker = [&failures](const test::Credential* cred) {
    for (int i = 0; i < 20; ++i) {
      XmlDocPtr doc;
      auto v = verify_bytes(signed_assertion(*cred), trust_of(*cred), doc);
      if (!v) ++failures;
    }
  };
  std::thread a(worker, &test_keys().rsa);
  std::thread b(worker, &test_keys().ec);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
}

class WsSecurity : public Dsig {
 protected:
  void SetUp() override {
    const std::string wsu(kWsuNs);
    doc_ = test::parse_or_die(
        "<S:Envelope xmlns:S=\"" + std::string(kSoapNs) + "\" xmlns:wsu=\"" + wsu +
        "\"><S:Header><Security><wsu:Timestamp wsu:Id=\"_ts\"><wsu:Created>"
        "2026-01-02T10:00:00Z</wsu:Created></wsu:Timestamp></Security></S:Header>"
        "<S:Body wsu:Id=\"_body\"><x>1</x></S:Body></S:Envelope>");
    ASSERT_TRUE(register_ids(doc_.get()));
    security_ = test::find_element(doc_.get(), "", "Security");
    ts_ = test::find_element(doc_.get(), wsu, "Timestamp");
    body_ = test::find_element(doc_.get(), kSoapNs, "Body");
  }
  void sign(std::vector<std::string> uris,
            std::vector<xmlSecTransformId> transforms = {xmlSecTransformExclC14NId}) {
    test::TemplateSpec spec;
    spec.transforms = std::move(transforms);
    spec.uris = std::move(uris);
    ASSERT_TRUE(
        test::sign_with_template(doc_.get(), security_, "", test_keys().rsa.key.get(), spec));
    sig_ = test::find_element(doc_.get(), kDsigNs, "Signature");
  }
  static constexpr std::string_view kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
  xmlNode* security_ = nullptr;
  xmlNode* ts_ = nullptr;
  xmlNode* body_ = nullptr;
  xmlNode* sig_ = nullptr;
};

TEST_F(WsSecurity, VerifyReferencesAcceptsBodyAndTimestamp) {
  sign({"#_ts", "#_body"});
  auto v = verify_references(doc_.get(), sig_, {body_, ts_}, test_keys().rsa.key.get());
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->nodes, (std::vector<xmlNode*>{body_, ts_}));
  EXPECT_EQ(v->algorithm, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
}

TEST_F(WsSecurity, VerifyReferencesRefusesAnUncoveredTarget) {
  sign({"#_ts"});
  auto v = verify_references(doc_.get(), sig_, {body_, ts_}, test_keys().rsa.key.get());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(WsSecurity, VerifyReferencesRefusesTheSameTargetTwice) {
  sign({"#_ts", "#_ts"});
  auto v = verify_references(doc_.get(), sig_, {body_, ts_}, test_keys().rsa.key.get());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "Reference does not name an expected element");
}

TEST_F(WsSecurity, VerifyReferencesRefusesTheEnvelopedTransform) {
  sign({"#_ts", "#_body"}, {xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId});
  auto v = verify_references(doc_.get(), sig_, {body_, ts_}, test_keys().rsa.key.get());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(WsSecurity, VerifyReferencesRefusesAChangedBody) {
  sign({"#_ts", "#_body"});
  xmlNodeSetContent(first_child_element(body_), as_xml_chars("2"));
  auto v = verify_references(doc_.get(), sig_, {body_, ts_}, test_keys().rsa.key.get());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

TEST_F(WsSecurity, VerifyReferencesRefusesAnotherKey) {
  sign({"#_ts", "#_body"});
  auto v = verify_references(doc_.get(), sig_, {body_, ts_}, test_keys().untrusted.key.get());
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

}  // namespace
}  // namespace sigil::xml
