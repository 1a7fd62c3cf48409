#include "sts/wstrust/request.hpp"

#include <utility>

#include "parse_util.hpp"
#include "rst_reader.hpp"
#include "security_header.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::sts::wstrust {
namespace {

namespace ns = saml::ns;

// Every ID value once in the whole document (docs/reference/threats.md §2.2). register_ids also
// makes "#id" resolvable for the signature check later; its duplicate error is a shape error here.
Result<void> unique_ids(xmlDoc* doc) {
  auto registered = xml::register_ids(doc);
  if (!registered) {
    return fail(Errc::kMalformedRequest, "an ID value occurs more than once in the request",
                registered.error().to_string());
  }
  return {};
}

xmlNode* root_element(xmlDoc* doc) {
  for (xmlNode* n = doc->children; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE) return n;
  }
  return nullptr;
}

// Envelope = Header? Body, and the Body holds exactly one wst:RequestSecurityToken.
Result<void> read_envelope(Request& req) {
  req.envelope = root_element(req.doc.get());
  if (!xml::is_element(req.envelope, ns::kSoap, "Envelope")) {
    return fail(Errc::kMalformedRequest, "the request is not a SOAP 1.1 Envelope");
  }
  SIGIL_TRY(std::vector<xmlNode*> parts, detail::element_children(req.envelope));
  size_t i = 0;
  if (i < parts.size() && xml::is_element(parts[i], ns::kSoap, "Header")) req.header = parts[i++];
  if (i + 1 != parts.size() || !xml::is_element(parts[i], ns::kSoap, "Body")) {
    return fail(Errc::kMalformedRequest, "the Envelope must hold an optional Header and a Body");
  }
  req.body = parts[i];
  SIGIL_TRY(std::vector<xmlNode*> content, detail::element_children(req.body));
  size_t rst_count = 0;
  for (xmlNode* c : content) {
    if (xml::is_element(c, ns::kWst, "RequestSecurityToken")) ++rst_count;
  }
  if (content.size() != 1 || rst_count != 1) {
    return fail(Errc::kMalformedRequest,
                "the Body must hold exactly one wst:RequestSecurityToken and nothing else");
  }
  req.rst = content.front();
  return {};
}

bool must_understand(const xmlNode* block) {
  const std::optional<std::string> v = detail::attribute(block, ns::kSoap, "mustUnderstand");
  return v && (*v == "1" || *v == "true");
}

// Header blocks: wsse:Security and wsa:Action at most once each; others are ignored unless they
// demand to be understood (SOAP 1.1 §4.2.3).
Result<void> read_header(Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> blocks, detail::element_children(req.header));
  xmlNode* action = nullptr;
  for (xmlNode* b : blocks) {
    if (xml::is_element(b, ns::kWsse, "Security")) {
      SIGIL_TRY_VOID(detail::check_once(req.security, "wsse:Security"));
      req.security = b;
    } else if (xml::is_element(b, ns::kWsa, "Action")) {
      SIGIL_TRY_VOID(detail::check_once(action, "wsa:Action"));
      action = b;
    } else if (must_understand(b)) {
      return fail(Errc::kUnsupported,
                  "header <" + detail::element_name(b) + "> must be understood but is not");
    }
  }
  if (action != nullptr) {
    SIGIL_TRY(req.wsa_action, detail::trimmed_text(action));
    if (req.wsa_action.empty()) return fail(Errc::kMalformedRequest, "empty wsa:Action header");
  }
  if (req.security != nullptr) return detail::read_security(req.security, req);
  return {};
}

std::string_view unquote(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

// SOAPAction and wsa:Action only cross-check wst:RequestType (Lightwave checkRequest).
Result<void> check_actions(Request& req, std::string_view soap_action_header) {
  req.soap_action = std::string(unquote(soap_action_header));
  const std::string_view expected = soap_action_for(req.kind);
  if (!req.soap_action.empty() && req.soap_action != expected) {
    return fail(Errc::kMalformedRequest, "RequestType does not match SOAPAction");
  }
  if (!req.wsa_action.empty() && req.wsa_action != expected) {
    return fail(Errc::kMalformedRequest, "RequestType does not match wsa:Action");
  }
  return {};
}

}  // namespace

std::string_view soap_action_for(RequestKind kind) noexcept {
  switch (kind) {
    case RequestKind::kIssue:
      return saml::uri::kWstActionIssue;
    case RequestKind::kRenew:
      return saml::uri::kWstActionRenew;
    case RequestKind::kValidate:
      return saml::uri::kWstActionValidate;
  }
  return saml::uri::kWstActionIssue;
}

Result<Request> parse_request(std::string_view http_body, std::string_view soap_action_header,
                              const xml::ParseLimits& limits) {
  SIGIL_TRY(xml::XmlDocPtr doc, xml::parse_untrusted(http_body, limits));
  Request req;
  req.doc = std::move(doc);
  SIGIL_TRY_VOID(unique_ids(req.doc.get()));
  SIGIL_TRY_VOID(read_envelope(req));
  SIGIL_TRY_VOID(detail::read_rst(req.rst, req));
  if (req.header != nullptr) SIGIL_TRY_VOID(read_header(req));
  SIGIL_TRY_VOID(check_actions(req, soap_action_header));
  return req;
}

}  // namespace sigil::sts::wstrust
