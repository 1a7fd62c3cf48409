#include "sigil/xml/tree.hpp"

#include <gtest/gtest.h>

#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

class Tree : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { XmlSecLibrary::ensure(); }
};

TEST_F(Tree, NodeTextConcatenatesTextAndCdata) {
  XmlDocPtr doc = test::parse_or_die("<a>admin<![CDATA[@evil]]>.example</a>");
  EXPECT_EQ(node_text(xmlDocGetRootElement(doc.get())).value(), "admin@evil.example");
}

TEST_F(Tree, NodeTextOfAnEmptyElementIsEmpty) {
  XmlDocPtr doc = test::parse_or_die("<a/>");
  EXPECT_EQ(node_text(xmlDocGetRootElement(doc.get())).value(), "");
}

TEST_F(Tree, NodeTextRefusesAComment) {
  XmlDocPtr doc = test::parse_or_die("<a>admin@example.com<!---->.evil.org</a>");
  auto text = node_text(xmlDocGetRootElement(doc.get()));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, Errc::kMalformedRequest);
  EXPECT_NE(text.error().message.find("<a> must contain only text"), std::string::npos);
}

TEST_F(Tree, NodeTextRefusesANestedElement) {
  XmlDocPtr doc = test::parse_or_die("<a>x<b/>y</a>");
  EXPECT_EQ(node_text(xmlDocGetRootElement(doc.get())).error().code, Errc::kMalformedRequest);
}

TEST_F(Tree, NodeTextRefusesANonElement) {
  XmlDocPtr doc = test::parse_or_die("<a>x</a>");
  EXPECT_FALSE(node_text(xmlDocGetRootElement(doc.get())->children));
  EXPECT_FALSE(node_text(nullptr));
}

TEST_F(Tree, ElementsMatchByNamespaceUriNotPrefix) {
  XmlDocPtr doc =
      test::parse_or_die("<x:a xmlns:x=\"urn:one\"><y:a xmlns:y=\"urn:two\"/><a/></x:a>");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  EXPECT_TRUE(is_element(root, "urn:one", "a"));
  EXPECT_FALSE(is_element(root, "urn:two", "a"));
  xmlNode* second = first_child_element(root);
  EXPECT_TRUE(is_element(second, "urn:two", "a"));
  xmlNode* third = next_sibling_element(second);
  EXPECT_TRUE(is_element(third, "", "a"));
  EXPECT_FALSE(is_element(third, "urn:one", "a"));
  EXPECT_EQ(next_sibling_element(third), nullptr);
}

TEST_F(Tree, FindsAttributesByNamespaceAndReadsTheirValue) {
  XmlDocPtr doc = test::parse_or_die("<a xmlns:p=\"urn:p\" p:v=\"ns &amp; value\" v=\"plain\"/>");
  xmlNode* a = xmlDocGetRootElement(doc.get());
  EXPECT_EQ(attribute_value(find_attribute(a, "urn:p", "v")), "ns & value");
  EXPECT_EQ(attribute_value(find_attribute(a, "", "v")), "plain");
  EXPECT_EQ(find_attribute(a, "urn:other", "v"), nullptr);
}

TEST_F(Tree, NextInSubtreeVisitsTheSubtreeInDocumentOrderAndStops) {
  XmlDocPtr doc = test::parse_or_die("<r><a><b/>t</a><c/></r>");
  xmlNode* a = first_child_element(xmlDocGetRootElement(doc.get()));
  std::string seen;
  for (xmlNode* n = a; n != nullptr; n = next_in_subtree(n, a)) {
    seen += n->type == XML_ELEMENT_NODE ? reinterpret_cast<const char*>(n->name) : "#text";
    seen += ' ';
  }
  EXPECT_EQ(seen, "a b #text ");
}

}  // namespace
}  // namespace sigil::xml
