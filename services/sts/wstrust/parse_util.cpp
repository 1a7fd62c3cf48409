#include "parse_util.hpp"

#include "sigil/base/time_format.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/handles.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::sts::wstrust::detail {
namespace {

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_blank(const xmlChar* s) {
  for (; s != nullptr && *s != 0; ++s) {
    if (!is_xml_space(static_cast<char>(*s))) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<xmlNode*>> element_children(const xmlNode* parent) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      out.push_back(c);
    } else if (c->type == XML_COMMENT_NODE || (c->type == XML_TEXT_NODE && is_blank(c->content))) {
      continue;
    } else {
      return fail(Errc::kMalformedRequest, "unexpected text inside <" + element_name(parent) + ">");
    }
  }
  return out;
}

Result<std::string> trimmed_text(const xmlNode* element) {
  SIGIL_TRY(std::string text, xml::node_text(element));
  return std::string(trim(text));
}

Result<bool> parse_boolean(std::string_view text, std::string_view what) {
  const std::string_view v = trim(text);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return fail(Errc::kMalformedRequest, std::string(what) + " must be a boolean");
}

Result<TimePoint> read_instant(const xmlNode* element, std::string_view what) {
  SIGIL_TRY(std::string text, trimmed_text(element));
  auto t = parse_saml_time(text);  // wsu times are UTC, like SAML's (docs/security.md)
  if (!t) {
    return fail(Errc::kMalformedRequest, std::string(what) + " is not a UTC date-time (...Z)",
                t.error().message);
  }
  return *t;
}

std::optional<std::string> attribute(const xmlNode* element, std::string_view ns,
                                     std::string_view local) {
  const xmlAttr* a = xml::find_attribute(element, ns, local);
  if (a == nullptr) return std::nullopt;
  return xml::attribute_value(a);
}

std::string element_name(const xmlNode* element) {
  if (element == nullptr || element->name == nullptr) return "?";
  // The name is the client's; keep what goes back into a fault string short.
  constexpr size_t kMaxShown = 64;
  const std::string_view name = xml::as_chars(element->name);
  return name.size() <= kMaxShown ? std::string(name)
                                  : std::string(name.substr(0, kMaxShown)) + "...";
}

Result<void> check_once(const xmlNode* slot, std::string_view what) {
  if (slot != nullptr) {
    return fail(Errc::kMalformedRequest, std::string(what) + " must appear at most once");
  }
  return {};
}

Result<xmlNode*> only_assertion_child(const xmlNode* container, std::string_view what) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(container));
  if (kids.size() == 1 && xml::is_element(kids[0], saml::ns::kSaml2, "Assertion")) return kids[0];
  if (kids.size() == 1 && xml::is_element(kids[0], saml::ns::kWsse, "SecurityTokenReference")) {
    return fail(Errc::kUnsupported,
                std::string(what) + " must carry the token itself, not a reference to it");
  }
  return fail(Errc::kMalformedRequest,
              std::string(what) + " must contain exactly one saml2:Assertion");
}

}  // namespace sigil::sts::wstrust::detail
