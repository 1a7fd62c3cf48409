#include "sigil/xml/c14n.hpp"

#include <gtest/gtest.h>

#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

constexpr const char* kInput =
    "<?xml version=\"1.0\"?>\n"
    "<r xmlns=\"urn:default\" xmlns:a=\"urn:a\" xmlns:unused=\"urn:u\">"
    "<a:child   z='2' b=\"1\" a:attr=\"x\"><inner>text &amp; &#x41;<!-- c --></inner><empty/>"
    "</a:child></r>";

class ExcC14n : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { XmlSecLibrary::ensure(); }
  void SetUp() override {
    doc_ = test::parse_or_die(kInput);
    child_ = first_child_element(xmlDocGetRootElement(doc_.get()));
  }
  XmlDocPtr doc_;
  xmlNode* child_ = nullptr;
};

TEST_F(ExcC14n, SubtreeOutputEqualsTheExpectedBytes) {
  auto out = exc_c14n(doc_.get(), child_);
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out,
            "<a:child xmlns:a=\"urn:a\" b=\"1\" z=\"2\" a:attr=\"x\">"
            "<inner xmlns=\"urn:default\">text &amp; A</inner>"
            "<empty xmlns=\"urn:default\"></empty></a:child>");
}

TEST_F(ExcC14n, WithCommentsKeepsComments) {
  auto out = exc_c14n(doc_.get(), child_, {}, /*with_comments=*/true);
  ASSERT_TRUE(out) << out.error();
  EXPECT_NE(out->find("text &amp; A<!-- c --></inner>"), std::string::npos) << *out;
}

TEST_F(ExcC14n, InclusivePrefixesRenderTheirDeclarations) {
  auto out = exc_c14n(doc_.get(), child_, {"unused"});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(
      out->rfind("<a:child xmlns:a=\"urn:a\" xmlns:unused=\"urn:u\" b=\"1\" z=\"2\" a:attr=\"x\">"
                 "<inner xmlns=\"urn:default\">",
                 0),
      0u)
      << *out;
}

TEST_F(ExcC14n, WholeDocumentDropsTheDeclarationAndEscapesAttributes) {
  XmlDocPtr doc = test::parse_or_die("<?xml version=\"1.0\"?>\n<doc><e a='&lt;\"&#9;'/></doc>");
  auto out = exc_c14n(doc.get(), xmlDocGetRootElement(doc.get()));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, "<doc><e a=\"&lt;&quot;&#x9;\"></e></doc>");
}

TEST_F(ExcC14n, SerializeNodeKeepsTheTreeAsParsed) {
  auto out = serialize_node(doc_.get(), child_);
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out,
            "<a:child z=\"2\" b=\"1\" a:attr=\"x\"><inner>text &amp; A<!-- c --></inner>"
            "<empty/></a:child>");
}

TEST_F(ExcC14n, SerializeWritesAnXmlDeclarationAndTheDocument) {
  XmlDocPtr doc = test::parse_or_die("<a x=\"1\">t</a>");
  auto out = serialize(doc.get());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"1\">t</a>\n");
}

}  // namespace
}  // namespace sigil::xml
