#include "sigil/xml/ids.hpp"

#include <gtest/gtest.h>

#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

class Ids : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { XmlSecLibrary::ensure(); }
};

TEST_F(Ids, RegistersIdIdWsuIdAndXmlIdSoTheyResolve) {
  XmlDocPtr doc = test::parse_or_die(
      "<r xmlns:wsu=\"" + std::string(kWsuNs) +
      "\"><a ID=\"_1\"/><b Id=\"_2\"/><c wsu:Id=\"_3\"/><d xml:id=\"_4\"/><e id=\"_5\"/></r>");
  ASSERT_TRUE(register_ids(doc.get()));
  xmlNode* a = first_child_element(xmlDocGetRootElement(doc.get()));
  EXPECT_EQ(element_by_id(doc.get(), "_1"), a);
  EXPECT_EQ(element_by_id(doc.get(), "_2"), next_sibling_element(a));
  EXPECT_TRUE(is_element(element_by_id(doc.get(), "_3"), "", "c"));
  EXPECT_TRUE(is_element(element_by_id(doc.get(), "_4"), "", "d"));
  EXPECT_EQ(element_by_id(doc.get(), "_5"), nullptr);  // lower-case id is not an ID
}

TEST_F(Ids, RegisteringTwiceIsHarmless) {
  XmlDocPtr doc = test::parse_or_die("<r><a ID=\"_1\"/></r>");
  ASSERT_TRUE(register_ids(doc.get()));
  EXPECT_TRUE(register_ids(doc.get()));
}

TEST_F(Ids, RefusesTheSameValueInDifferentIdAttributeKinds) {
  XmlDocPtr doc = test::parse_or_die("<r xmlns:wsu=\"" + std::string(kWsuNs) +
                                     "\"><a ID=\"_1\"/><b wsu:Id=\"_1\"/></r>");
  auto r = register_ids(doc.get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(r.error().message, "duplicate ID in document");
}

TEST_F(Ids, RefusesADuplicateXmlId) {
  XmlDocPtr doc = test::parse_or_die("<r><a xml:id=\"_1\"/><b xml:id=\"_1\"/></r>");
  EXPECT_EQ(register_ids(doc.get()).error().code, Errc::kSignatureInvalid);
}

TEST_F(Ids, ElementIdNeedsExactlyOneNcNameId) {
  XmlDocPtr doc = test::parse_or_die(
      "<r><a ID=\"_ok-1.x\"/><b/><c ID=\"_1\" Id=\"_2\"/><d ID=\"x') or ('1\"/><e ID=\"1abc\"/>"
      "</r>");
  xmlNode* a = first_child_element(xmlDocGetRootElement(doc.get()));
  EXPECT_EQ(element_id(a).value(), "_ok-1.x");
  xmlNode* b = next_sibling_element(a);
  EXPECT_EQ(element_id(b).error().message, "signed element has no ID");
  xmlNode* c = next_sibling_element(b);
  EXPECT_EQ(element_id(c).error().message, "element has more than one ID");
  xmlNode* d = next_sibling_element(c);
  EXPECT_EQ(element_id(d).error().message, "element ID is not an NCName");
  EXPECT_EQ(element_id(next_sibling_element(d)).error().code, Errc::kSignatureInvalid);
}

TEST_F(Ids, NcNameIsAsciiLettersDigitsUnderscoreDashDot) {
  EXPECT_TRUE(is_ncname("_6b0c-uuid.1"));
  EXPECT_TRUE(is_ncname("a"));
  EXPECT_FALSE(is_ncname(""));
  EXPECT_FALSE(is_ncname("-a"));
  EXPECT_FALSE(is_ncname("a b"));
  EXPECT_FALSE(is_ncname("xpointer(/)"));
  EXPECT_FALSE(is_ncname("a:b"));
}

}  // namespace
}  // namespace sigil::xml
