// The xmlsec context on its own, without the profile checks that normally run first: each
// restriction must hold by itself (defence in depth, docs/reference/threats.md §2.6 "Configure
// xmlsec").
#include "xmlsec_ctx.hpp"

#include <gtest/gtest.h>

#include "sigil/xml/ids.hpp"
#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

using test::test_keys;

constexpr const char* kId = "_a1b2c3";

class XmlsecContext : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    XmlSecLibrary::ensure();
    test_keys();
  }

  // Signs a fresh assertion through a raw template; returns its ds:Signature.
  xmlNode* signed_with(const test::TemplateSpec& spec,
                       const test::Credential& signer = test_keys().rsa) {
    doc_ = test::parse_or_die(test::saml_assertion(kId));
    EXPECT_TRUE(register_ids(doc_.get()));
    EXPECT_TRUE(test::sign_with_template(doc_.get(), xmlDocGetRootElement(doc_.get()), kId,
                                         signer.key.get(), spec));
    return test::find_element(doc_.get(), kDsigNs, "Signature");
  }

  static Result<void> run(xmlNode* sig, const std::string& uri = std::string("#") + kId) {
    return detail::xmlsec_verify(sig, test_keys().rsa.key.get(), detail::Profile::kEnveloped,
                                 {uri});
  }

  XmlDocPtr doc_;
};

TEST_F(XmlsecContext, VerifiesAnAllowedSignature) {
  auto ok = run(signed_with({}));
  EXPECT_TRUE(ok) << ok.error();
}

TEST_F(XmlsecContext, RefusesInclusiveC14n) {
  test::TemplateSpec spec;
  spec.c14n = xmlSecTransformInclC14NId;
  EXPECT_EQ(run(signed_with(spec)).error().code, Errc::kSignatureInvalid);
}

TEST_F(XmlsecContext, RefusesAnXPathTransform) {
  test::TemplateSpec spec;
  spec.transforms = {xmlSecTransformEnvelopedId, xmlSecTransformXPathId, xmlSecTransformExclC14NId};
  auto r = run(signed_with(spec));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("xpath"), std::string::npos) << r.error().detail;
}

TEST_F(XmlsecContext, RefusesSha1) {
  test::TemplateSpec spec;
  spec.method = xmlSecTransformRsaSha1Id;
  spec.digest = xmlSecTransformSha1Id;
  EXPECT_FALSE(run(signed_with(spec)));
}

TEST_F(XmlsecContext, RefusesAnEmptyReferenceUri) {
  test::TemplateSpec spec;
  spec.uris = {""};
  EXPECT_FALSE(run(signed_with(spec), ""));
}

TEST_F(XmlsecContext, NeverTakesTheKeyFromKeyInfo) {
  test::TemplateSpec spec;
  spec.key_info = &test_keys().untrusted;
  EXPECT_FALSE(run(signed_with(spec, test_keys().untrusted)));
}

TEST_F(XmlsecContext, ChecksTheVerifiedReferenceUri) {
  auto r = run(signed_with({}), "#_somewhere_else");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "verified reference is not the expected one");
}

TEST_F(XmlsecContext, KeysAreSharedNotCopied) {
  EVP_PKEY* key = test_keys().rsa.key.get();
  {
    auto sec_key = detail::make_xmlsec_key(key);
    ASSERT_TRUE(sec_key) << sec_key.error();
    EXPECT_NE(sec_key->get(), nullptr);
  }
  // The xmlsec key held a reference and released it: the caller's key is still usable.
  EXPECT_EQ(EVP_PKEY_get_bits(key), 2048);
}

}  // namespace
}  // namespace sigil::xml
