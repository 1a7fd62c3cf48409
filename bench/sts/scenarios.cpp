#include "scenarios.hpp"

#include "sigil/base/time_format.hpp"

namespace sigil::bench {
namespace {

constexpr std::string_view kSoap = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kWsse =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
constexpr std::string_view kWsu =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
constexpr std::string_view kAssertionOpen = "<saml2:Assertion";
constexpr std::string_view kAssertionClose = "</saml2:Assertion>";

}  // namespace

std::string issue_action() { return std::string(kWst) + "/RST/Issue"; }
std::string validate_action() { return std::string(kWst) + "/RST/Validate"; }

std::string hok_issue_request(TimePoint now) {
  const std::string wst(kWst);
  return "<S:Envelope xmlns:S=\"" + std::string(kSoap) +
         "\"><S:Header><wsse:Security xmlns:wsse=\"" + std::string(kWsse) +
         "\"><wsu:Timestamp xmlns:wsu=\"" + std::string(kWsu) + "\" wsu:Id=\"_ts\"><wsu:Created>" +
         format_time_ms(now) + "</wsu:Created><wsu:Expires>" +
         format_time_ms(now + std::chrono::minutes(10)) +
         "</wsu:Expires></wsu:Timestamp></wsse:Security></S:Header><S:Body>"
         "<RequestSecurityToken xmlns=\"" +
         wst +
         "\"><TokenType>urn:oasis:names:tc:SAML:2.0:"
         "assertion</TokenType><RequestType>" +
         wst + "/Issue</RequestType><KeyType>" + wst +
         "/PublicKey</KeyType><SignatureAlgorithm>http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
         "</SignatureAlgorithm></RequestSecurityToken></S:Body></S:Envelope>";
}

std::string validate_request(std::string_view assertion) {
  const std::string wst(kWst);
  return "<S:Envelope xmlns:S=\"" + std::string(kSoap) +
         "\"><S:Body><RequestSecurityToken xmlns=\"" + wst + "\"><TokenType>" + wst +
         "/RSTR/Status</TokenType><RequestType>" + wst + "/Validate</RequestType><ValidateTarget>" +
         std::string(assertion) + "</ValidateTarget></RequestSecurityToken></S:Body></S:Envelope>";
}

std::optional<std::string_view> assertion_of(std::string_view rstr) {
  auto begin = rstr.find(kAssertionOpen);
  if (begin == std::string_view::npos) return std::nullopt;
  auto end = rstr.find(kAssertionClose, begin);
  if (end == std::string_view::npos) return std::nullopt;
  return rstr.substr(begin, end + kAssertionClose.size() - begin);
}

bool is_hok_token_response(unsigned status, std::string_view body) {
  return status == 200 && assertion_of(body).has_value() &&
         body.find("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key") != std::string_view::npos;
}

bool is_valid_status_response(unsigned status, std::string_view body) {
  return status == 200 && body.find(std::string(kWst) + "/status/valid<") != std::string_view::npos;
}

std::optional<std::string_view> signing_certificate_b64(std::string_view assertion) {
  constexpr std::string_view open = "X509Certificate>";
  auto begin = assertion.find(open);
  if (begin == std::string_view::npos) return std::nullopt;
  begin += open.size();
  auto end = assertion.find('<', begin);
  if (end == std::string_view::npos) return std::nullopt;
  return assertion.substr(begin, end - begin);
}

}  // namespace sigil::bench
