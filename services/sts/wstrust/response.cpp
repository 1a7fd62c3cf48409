#include "sts/wstrust/response.hpp"

#include "sigil/base/xml_text.hpp"

#include "sigil/base/result.hpp"
#include "sigil/base/time_format.hpp"

namespace sigil::sts::wstrust {
namespace {

namespace ns = saml::ns;
namespace uri = saml::uri;

constexpr std::string_view kXmlDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";

std::string envelope(std::string_view body_content) {
  std::string out;
  out.reserve(body_content.size() + 160);
  out += kXmlDeclaration;
  out += R"(<S:Envelope xmlns:S=")";
  out += ns::kSoap;
  out += R"("><S:Body>)";
  out += body_content;
  out += "</S:Body></S:Envelope>";
  return out;
}

// xmlns:wst (and xmlns:wsu when the element carries a Lifetime), for the outermost wst element.
std::string wst_declarations(bool with_wsu) {
  std::string out = R"( xmlns:wst=")" + std::string(ns::kWst) + '"';
  if (with_wsu) out += R"( xmlns:wsu=")" + std::string(ns::kWsu) + '"';
  return out;
}

std::string_view boolean(bool v) { return v ? "true" : "false"; }

// The RSTR body shared by Issue and Renew; `declarations` go on its start tag.
std::string token_rstr(const IssuedToken& t, std::string_view declarations) {
  SIGIL_ASSERT(t.assertion_wire_xml.rfind("<?xml", 0) != 0);  // the element, not a document
  std::string out = "<wst:RequestSecurityTokenResponse" + std::string(declarations) + ">";
  out += "<wst:TokenType>" + std::string(uri::kTokenTypeSaml2) + "</wst:TokenType>";
  out += "<wst:Lifetime><wsu:Created>" + format_time_ms(t.created) + "</wsu:Created><wsu:Expires>" +
         format_time_ms(t.expires) + "</wsu:Expires></wst:Lifetime>";
  out += "<wst:RequestedSecurityToken>";
  out += t.assertion_wire_xml;
  out += "</wst:RequestedSecurityToken>";
  out += R"(<wst:Renewing Allow=")" + std::string(boolean(t.renewable)) + R"(" OK="false"/>)";
  out += "<wst:Delegatable>" + std::string(boolean(t.delegatable)) + "</wst:Delegatable>";
  out += "<wst:KeyType>" +
         std::string(t.holder_of_key ? uri::kWstKeyTypePublicKey : uri::kWstKeyTypeBearer) +
         "</wst:KeyType>";
  out +=
      "<wst:SignatureAlgorithm>" + escape_xml_text(t.signature_algorithm) + "</wst:SignatureAlgorithm>";
  out += "</wst:RequestSecurityTokenResponse>";
  return out;
}

IssuedToken make_token(std::string_view assertion_wire_xml, TimePoint created, TimePoint expires,
                       bool renewable, bool delegatable, bool holder_of_key) {
  IssuedToken t;
  t.assertion_wire_xml = assertion_wire_xml;
  t.created = created;
  t.expires = expires;
  t.renewable = renewable;
  t.delegatable = delegatable;
  t.holder_of_key = holder_of_key;
  return t;
}

}  // namespace

std::string issue_response(const IssuedToken& token) {
  return envelope("<wst:RequestSecurityTokenResponseCollection" + wst_declarations(true) + ">" +
                  token_rstr(token, "") + "</wst:RequestSecurityTokenResponseCollection>");
}

std::string issue_response(std::string_view assertion_wire_xml, TimePoint created,
                           TimePoint expires, bool renewable, bool delegatable,
                           bool holder_of_key) {
  return issue_response(
      make_token(assertion_wire_xml, created, expires, renewable, delegatable, holder_of_key));
}

std::string renew_response(const IssuedToken& token) {
  return envelope(token_rstr(token, wst_declarations(true)));
}

std::string renew_response(std::string_view assertion_wire_xml, TimePoint created,
                           TimePoint expires, bool renewable, bool delegatable,
                           bool holder_of_key) {
  return renew_response(
      make_token(assertion_wire_xml, created, expires, renewable, delegatable, holder_of_key));
}

std::string validate_response(bool valid, std::string_view reason) {
  std::string rstr = "<wst:RequestSecurityTokenResponse" + wst_declarations(false) + ">";
  rstr += "<wst:TokenType>" + std::string(uri::kWstTokenTypeStatus) + "</wst:TokenType>";
  rstr += "<wst:Status><wst:Code>";
  rstr += valid ? uri::kWstStatusValid : uri::kWstStatusInvalid;
  rstr += "</wst:Code>";
  if (!reason.empty()) rstr += "<wst:Reason>" + escape_xml_text(reason) + "</wst:Reason>";
  rstr += "</wst:Status></wst:RequestSecurityTokenResponse>";
  return envelope(rstr);
}

}  // namespace sigil::sts::wstrust
