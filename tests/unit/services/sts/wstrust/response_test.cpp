// issue_response / renew_response / validate_response: the exact bytes of
// docs/reference/wstrust.md §3 and §6.
#include "sts/wstrust/response.hpp"

#include <gtest/gtest.h>

#include "sigil/base/time_format.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/tree.hpp"
#include "wstrust_fixtures.hpp"

namespace sigil::sts::wstrust {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): this suite's fixtures

TimePoint at(std::string_view text) { return parse_time(text).value(); }

const std::string& assertion() {
  static const std::string a = test_assertion("_6b0c1d2e");
  return a;
}

// The first element child of the Envelope's Body.
xmlNode* body_child(xmlDoc* doc) {
  xmlNode* envelope = xmlDocGetRootElement(doc);
  EXPECT_TRUE(xml::is_element(envelope, saml::ns::kSoap, "Envelope"));
  xmlNode* body = xml::first_child_element(envelope);
  EXPECT_TRUE(xml::is_element(body, saml::ns::kSoap, "Body"));
  return xml::first_child_element(body);
}

// The first saml2:Assertion in document order, as pyVmomi's //saml2:Assertion[0] finds it.
xmlNode* first_assertion(xmlDoc* doc) {
  const auto* root = reinterpret_cast<const xmlNode*>(doc);
  for (xmlNode* n = xml::next_in_subtree(root, root); n; n = xml::next_in_subtree(n, root)) {
    if (xml::is_element(n, saml::ns::kSaml2, "Assertion")) return n;
  }
  return nullptr;
}

// Whitespace-only text anywhere in the document.
bool has_blank_text(xmlDoc* doc) {
  const auto* root = reinterpret_cast<const xmlNode*>(doc);
  for (xmlNode* n = xml::next_in_subtree(root, root); n; n = xml::next_in_subtree(n, root)) {
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) return true;
    }
  }
  return false;
}

TEST(WsTrustResponse, IssueResponseIsTheContractCollectionByteForByte) {
  const std::string got = issue_response(assertion(), at("2026-01-02T10:00:00.456Z"),
                                         at("2026-01-02T10:05:00.456Z"), false, false, false);
  const std::string expected = cat(
      {R"(<?xml version="1.0" encoding="UTF-8"?>)",
       R"(<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>)",
       R"(<wst:RequestSecurityTokenResponseCollection )",
       R"(xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" )",
       R"(xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">)",
       "<wst:RequestSecurityTokenResponse>",
       "<wst:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</wst:TokenType>",
       "<wst:Lifetime><wsu:Created>2026-01-02T10:00:00.456Z</wsu:Created>",
       "<wsu:Expires>2026-01-02T10:05:00.456Z</wsu:Expires></wst:Lifetime>",
       "<wst:RequestedSecurityToken>", assertion(), "</wst:RequestedSecurityToken>",
       R"(<wst:Renewing Allow="false" OK="false"/>)", "<wst:Delegatable>false</wst:Delegatable>",
       "<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</wst:KeyType>",
       "<wst:SignatureAlgorithm>http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
       "</wst:SignatureAlgorithm></wst:RequestSecurityTokenResponse>",
       "</wst:RequestSecurityTokenResponseCollection></S:Body></S:Envelope>"});
  EXPECT_EQ(got, expected);
}

TEST(WsTrustResponse, IssuedAssertionIsTheFirstAssertionAndExactlyTheTokenBytes) {
  const std::string got = issue_response(assertion(), at("2026-01-02T10:00:00Z"),
                                         at("2026-01-02T10:05:00Z"), true, true, true);
  EXPECT_EQ(got.find('\n'), std::string::npos);
  EXPECT_EQ(got.find("xmlns=\""), std::string::npos);  // no default namespace anywhere
  const std::string open = "<wst:RequestedSecurityToken>";
  const size_t start = got.find(open) + open.size();
  const size_t end = got.find("</wst:RequestedSecurityToken>");
  EXPECT_EQ(got.substr(start, end - start), assertion());
  xml::XmlDocPtr doc = parse_or_die(got);
  xmlNode* collection = body_child(doc.get());
  EXPECT_TRUE(
      xml::is_element(collection, saml::ns::kWst, "RequestSecurityTokenResponseCollection"));
  EXPECT_TRUE(xml::is_element(xml::first_child_element(collection), saml::ns::kWst,
                              "RequestSecurityTokenResponse"));
  xmlNode* token = first_assertion(doc.get());
  ASSERT_NE(token, nullptr);
  EXPECT_TRUE(xml::is_element(token->parent, saml::ns::kWst, "RequestedSecurityToken"));
  EXPECT_FALSE(has_blank_text(doc.get()));
  EXPECT_NE(got.find(R"(<wst:Renewing Allow="true" OK="false"/>)"), std::string::npos);
  EXPECT_NE(got.find("<wst:Delegatable>true</wst:Delegatable>"), std::string::npos);
  EXPECT_NE(got.find(saml::uri::kWstKeyTypePublicKey), std::string::npos);
}

TEST(WsTrustResponse, LifetimeHasExactlyThreeFractionalDigits) {
  const std::string got = issue_response(assertion(), at("2026-01-02T10:00:00.456789Z"),
                                         at("2026-01-02T10:05:00Z"), false, false, false);
  EXPECT_NE(got.find("<wsu:Created>2026-01-02T10:00:00.456Z</wsu:Created>"), std::string::npos);
  EXPECT_NE(got.find("<wsu:Expires>2026-01-02T10:05:00.000Z</wsu:Expires>"), std::string::npos);
}

TEST(WsTrustResponse, RenewResponseIsABareRstrInTheBody) {
  const std::string got = renew_response(assertion(), at("2026-01-02T10:00:00Z"),
                                         at("2026-01-02T10:05:00Z"), true, false, true);
  EXPECT_EQ(got.find("Collection"), std::string::npos);
  xml::XmlDocPtr doc = parse_or_die(got);
  xmlNode* rstr = body_child(doc.get());
  EXPECT_TRUE(xml::is_element(rstr, saml::ns::kWst, "RequestSecurityTokenResponse"));
  EXPECT_EQ(xml::next_sibling_element(rstr), nullptr);
  EXPECT_EQ(first_assertion(doc.get())->parent->parent, rstr);
  EXPECT_NE(got.find("<S:Body><wst:RequestSecurityTokenResponse xmlns:wst="), std::string::npos);
  EXPECT_FALSE(has_blank_text(doc.get()));
}

TEST(WsTrustResponse, ValidateResponseIsABareRstrWithStatusCode) {
  const std::string valid = validate_response(true);
  EXPECT_EQ(valid, cat({R"(<?xml version="1.0" encoding="UTF-8"?>)",
                        R"(<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">)",
                        R"(<S:Body><wst:RequestSecurityTokenResponse )",
                        R"(xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">)",
                        "<wst:TokenType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/",
                        "Status</wst:TokenType><wst:Status><wst:Code>http://docs.oasis-open.org/",
                        "ws-sx/ws-trust/200512/status/valid</wst:Code></wst:Status>",
                        "</wst:RequestSecurityTokenResponse></S:Body></S:Envelope>"}));
}

TEST(WsTrustResponse, InvalidValidateResponseCarriesAnEscapedReason) {
  const std::string got = validate_response(false, "token <expired> & gone\nnow");
  EXPECT_NE(got.find(cat({"<wst:Code>", saml::uri::kWstStatusInvalid,
                          "</wst:Code><wst:Reason>token &lt;expired&gt; &amp; gone&#xA;now"
                          "</wst:Reason></wst:Status>"})),
            std::string::npos);
  xml::XmlDocPtr doc = parse_or_die(got);
  EXPECT_TRUE(
      xml::is_element(body_child(doc.get()), saml::ns::kWst, "RequestSecurityTokenResponse"));
}

}  // namespace
}  // namespace sigil::sts::wstrust
