#include "sigil/xml/ids.hpp"

#include <unordered_set>

#include <libxml/valid.h>

#include "error_capture.hpp"
#include "sigil/xml/handles.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::xml {
namespace {

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Registers one ID attribute; `seen` holds every value met so far in this walk.
Result<void> register_one(xmlDoc* doc, xmlAttr* attr, std::unordered_set<std::string>& seen) {
  std::string value = attribute_value(attr);
  if (!seen.insert(value).second) {
    return fail(Errc::kSignatureInvalid, "duplicate ID in document", "ID=" + value);
  }
  xmlAttr* known = xmlGetID(doc, as_xml_chars(value.c_str()));
  if (known == attr) return {};
  if (known != nullptr) {
    // The table names another attribute for this value: a stale entry; refuse to guess.
    return fail(Errc::kSignatureInvalid, "document ID table is inconsistent", "ID=" + value);
  }
  if (xmlAddID(nullptr, doc, as_xml_chars(value.c_str()), attr) == nullptr) {
    return fail(Errc::kInternal, "cannot register an ID attribute", "ID=" + value);
  }
  return {};
}

}  // namespace

bool is_id_attribute(const xmlAttr* attr) noexcept {
  return is_attribute(attr, "", "ID") || is_attribute(attr, "", "Id") ||
         is_attribute(attr, kWsuNs, "Id") || is_attribute(attr, kXmlNs, "id");
}

bool is_ncname(std::string_view value) noexcept {
  if (value.empty() || !(is_ascii_alpha(value[0]) || value[0] == '_')) return false;
  for (char c : value) {
    if (!(is_ascii_alpha(c) || is_ascii_digit(c) || c == '_' || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

Result<std::string> element_id(const xmlNode* element) {
  if (element == nullptr || element->type != XML_ELEMENT_NODE) {
    return fail(Errc::kSignatureInvalid, "signed node is not an element");
  }
  const xmlAttr* found = nullptr;
  for (const xmlAttr* a = element->properties; a != nullptr; a = a->next) {
    if (!is_id_attribute(a)) continue;
    if (found != nullptr) return fail(Errc::kSignatureInvalid, "element has more than one ID");
    found = a;
  }
  if (found == nullptr) return fail(Errc::kSignatureInvalid, "signed element has no ID");
  std::string value = attribute_value(found);
  if (!is_ncname(value)) return fail(Errc::kSignatureInvalid, "element ID is not an NCName");
  return value;
}

Result<void> register_ids(xmlDoc* doc) {
  detail::ErrorCapture capture;  // xmlAddID reports to libxml2's handlers, never to stderr
  std::unordered_set<std::string> seen;
  const auto* root = reinterpret_cast<const xmlNode*>(doc);
  for (xmlNode* n = next_in_subtree(root, root); n != nullptr; n = next_in_subtree(n, root)) {
    if (n->type != XML_ELEMENT_NODE) continue;
    for (xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      if (is_id_attribute(a)) SIGIL_TRY_VOID(register_one(doc, a, seen));
    }
  }
  return {};
}

xmlNode* element_by_id(xmlDoc* doc, const std::string& value) noexcept {
  xmlAttr* attr = xmlGetID(doc, as_xml_chars(value.c_str()));
  return attr == nullptr ? nullptr : attr->parent;
}

}  // namespace sigil::xml
