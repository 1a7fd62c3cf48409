#include "sigil/xml/parser.hpp"

#include <string>

#include <gtest/gtest.h>

#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

class ParseUntrusted : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { XmlSecLibrary::ensure(); }

  static Error refused(const std::string& xml, const ParseLimits& limits = {}) {
    auto doc = parse_untrusted(xml, limits);
    EXPECT_FALSE(doc.has_value()) << "accepted: " << xml.substr(0, 120);
    return doc ? Error{} : doc.error();
  }
};

std::string nested(int depth) {
  std::string xml;
  for (int i = 0; i < depth; ++i) xml += "<a>";
  for (int i = 0; i < depth; ++i) xml += "</a>";
  return xml;
}

TEST_F(ParseUntrusted, AcceptsASamlAssertion) {
  auto doc = parse_untrusted(test::saml_assertion());
  ASSERT_TRUE(doc) << doc.error();
  xmlNode* root = xmlDocGetRootElement(doc->get());
  EXPECT_TRUE(is_element(root, test::kSaml2Ns, "Assertion"));
  xmlNode* name_id = test::find_element(doc->get(), test::kSaml2Ns, "NameID");
  ASSERT_NE(name_id, nullptr);
  EXPECT_EQ(node_text(name_id).value(), "Administrator@VSPHERE.LOCAL");
}

TEST_F(ParseUntrusted, AcceptsUtf8DeclarationAndUtf8Text) {
  auto doc = parse_untrusted("<?xml version=\"1.0\" encoding=\"utf-8\"?><a>J\xC3\xBCrgen</a>");
  ASSERT_TRUE(doc) << doc.error();
  EXPECT_EQ(node_text(xmlDocGetRootElement(doc->get())).value(), "J\xC3\xBCrgen");
}

TEST_F(ParseUntrusted, RefusesAnInternalDoctype) {
  Error e = refused("<?xml version=\"1.0\"?><!DOCTYPE a [<!ELEMENT a ANY>]><a/>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "DOCTYPE is not allowed");
}

TEST_F(ParseUntrusted, RefusesAnExternalEntity) {
  Error e = refused(
      "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<a>&xxe;</a>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "DOCTYPE is not allowed");
  EXPECT_EQ(e.detail.find("root:"), std::string::npos);
}

TEST_F(ParseUntrusted, RefusesABillionLaughsDocument) {
  std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i <= 9; ++i) {
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) {
      xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    }
    xml += "\">";
  }
  xml += "]><lolz>&lol9;</lolz>";
  Error e = refused(xml);
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "DOCTYPE is not allowed");
}

TEST_F(ParseUntrusted, RefusesAnUndeclaredEntityWithoutADoctype) {
  Error e = refused("<a>&xxe;</a>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "XML is not well-formed");
  EXPECT_NE(e.detail.find("xxe"), std::string::npos) << e.detail;
}

TEST_F(ParseUntrusted, RefusesDepthJustOverTheLimit) {
  ParseLimits limits;
  limits.max_depth = 64;
  EXPECT_TRUE(parse_untrusted(nested(64), limits));
  Error e = refused(nested(65), limits);
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML nesting deeper than 64");
}

TEST_F(ParseUntrusted, RefusesDepth100) {
  Error e = refused(nested(100));
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML nesting deeper than 64");
}

TEST_F(ParseUntrusted, RefusesDepth100000WithoutExhaustingTheStack) {
  Error e = refused(nested(100000));
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML nesting deeper than 64");
}

TEST_F(ParseUntrusted, RefusesTooManyElements) {
  std::string xml = "<r>";
  for (int i = 0; i < 20001; ++i) xml += "<b/>";
  xml += "</r>";
  Error e = refused(xml);
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML has more than 20000 nodes");
}

TEST_F(ParseUntrusted, CountsTextAndCommentNodesTowardsTheNodeLimit) {
  ParseLimits limits;
  limits.max_nodes = 10;
  std::string xml = "<r>";
  for (int i = 0; i < 6; ++i) xml += "<b/>x";  // 1 + 6 elements + 6 text nodes
  xml += "</r>";
  Error e = refused(xml, limits);
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML has more than 10 nodes");
}

TEST_F(ParseUntrusted, RefusesOversizeInputBeforeParsing) {
  ParseLimits limits;
  limits.max_bytes = 100;
  Error e = refused("<a>" + std::string(100, 'x') + "</a>", limits);
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML document larger than 100 bytes");
  EXPECT_TRUE(e.detail.empty());  // libxml2 never saw it
}

TEST_F(ParseUntrusted, RefusesAnOversizeTextNode) {
  ParseLimits limits;
  limits.max_attr_or_text_bytes = 16;
  EXPECT_TRUE(parse_untrusted("<a>" + std::string(16, 'x') + "</a>", limits));
  Error e = refused("<a>" + std::string(17, 'x') + "</a>", limits);
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML text larger than 16 bytes");
}

TEST_F(ParseUntrusted, RefusesAnOversizeAttributeValue) {
  ParseLimits limits;
  limits.max_attr_or_text_bytes = 16;
  Error e = refused("<a b=\"" + std::string(17, 'x') + "\"/>", limits);
  EXPECT_EQ(e.code, Errc::kPayloadTooLarge);
  EXPECT_EQ(e.message, "XML attribute value larger than 16 bytes");
}

TEST_F(ParseUntrusted, RefusesMalformedXmlWithLibxml2TextInDetail) {
  Error e = refused("<a><b></a>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "XML is not well-formed");
  EXPECT_NE(e.detail.find("libxml2"), std::string::npos) << e.detail;
}

TEST_F(ParseUntrusted, RefusesEmptyInput) {
  Error e = refused("");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "empty XML document");
}

TEST_F(ParseUntrusted, RefusesADuplicateAttribute) {
  EXPECT_EQ(refused("<a x=\"1\" x=\"2\"/>").code, Errc::kMalformedRequest);
}

TEST_F(ParseUntrusted, RefusesAnUndeclaredPrefix) {
  Error e = refused("<p:a xmlns:q=\"urn:q\"/>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "XML namespaces are not well-formed");
}

TEST_F(ParseUntrusted, RefusesADeclaredLatin1Encoding) {
  Error e = refused("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "only UTF-8 encoded XML is accepted");
}

TEST_F(ParseUntrusted, RefusesADeclaredUtf16Encoding) {
  Error e = refused("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
}

TEST_F(ParseUntrusted, RefusesUtf16Bytes) {
  const std::string xml("\xFF\xFE<\0a\0/\0>\0", 10);
  Error e = refused(xml);
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "only UTF-8 encoded XML is accepted");
}

TEST_F(ParseUntrusted, RefusesInvalidUtf8Bytes) {
  EXPECT_EQ(refused("<a>\xC3\x28</a>").code, Errc::kMalformedRequest);
}

TEST_F(ParseUntrusted, RefusesAProcessingInstruction) {
  Error e = refused("<?xml version=\"1.0\"?><?xml-stylesheet href=\"x.xsl\"?><a/>");
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.message, "processing instructions are not allowed");
  e = refused("<a>x<?pi data?>y</a>");
  EXPECT_EQ(e.message, "processing instructions are not allowed");
}

TEST_F(ParseUntrusted, LeavesXIncludeUnexpanded) {
  auto doc = parse_untrusted(
      "<a xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"/etc/passwd\" "
      "parse=\"text\"/></a>");
  ASSERT_TRUE(doc) << doc.error();
  xmlNode* inc = first_child_element(xmlDocGetRootElement(doc->get()));
  EXPECT_TRUE(is_element(inc, "http://www.w3.org/2001/XInclude", "include"));
  EXPECT_EQ(inc->children, nullptr);
}

TEST_F(ParseUntrusted, KeepsCdataAndCommentsAsSeparateNodes) {
  auto doc = parse_untrusted("<a>x<!--c--><![CDATA[<y>]]></a>");
  ASSERT_TRUE(doc) << doc.error();
  xmlNode* a = xmlDocGetRootElement(doc->get());
  ASSERT_NE(a->children, nullptr);
  EXPECT_EQ(a->children->type, XML_TEXT_NODE);
  EXPECT_EQ(a->children->next->type, XML_COMMENT_NODE);
  EXPECT_EQ(a->children->next->next->type, XML_CDATA_SECTION_NODE);
}

}  // namespace
}  // namespace sigil::xml
