#include "sigil/xml/tree.hpp"

#include "sigil/xml/handles.hpp"

namespace sigil::xml {
namespace {

std::string_view view(const xmlChar* s) noexcept {
  return s == nullptr ? std::string_view() : std::string_view(as_chars(s));
}

std::string_view ns_href(const xmlNs* ns) noexcept {
  return ns == nullptr ? std::string_view() : view(ns->href);
}

}  // namespace

std::string_view namespace_of(const xmlNode* node) noexcept { return ns_href(node->ns); }
std::string_view namespace_of(const xmlAttr* attr) noexcept { return ns_href(attr->ns); }

bool is_element(const xmlNode* node, std::string_view ns, std::string_view local) noexcept {
  return node != nullptr && node->type == XML_ELEMENT_NODE && view(node->name) == local &&
         namespace_of(node) == ns;
}

bool is_attribute(const xmlAttr* attr, std::string_view ns, std::string_view local) noexcept {
  return attr != nullptr && view(attr->name) == local && namespace_of(attr) == ns;
}

xmlNode* first_child_element(const xmlNode* parent) noexcept {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return c;
  }
  return nullptr;
}

xmlNode* next_sibling_element(const xmlNode* node) noexcept {
  for (xmlNode* c = node->next; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return c;
  }
  return nullptr;
}

xmlNode* next_in_subtree(const xmlNode* node, const xmlNode* root) noexcept {
  const bool container = node->type == XML_ELEMENT_NODE || node->type == XML_DOCUMENT_NODE;
  if (container && node->children != nullptr) return node->children;
  while (node != root && node != nullptr) {
    if (node->next != nullptr) return node->next;
    node = node->parent;
  }
  return nullptr;
}

xmlAttr* find_attribute(const xmlNode* element, std::string_view ns,
                        std::string_view local) noexcept {
  for (xmlAttr* a = element->properties; a != nullptr; a = a->next) {
    if (is_attribute(a, ns, local)) return a;
  }
  return nullptr;
}

std::string attribute_value(const xmlAttr* attr) {
  std::string out;
  for (const xmlNode* c = attr->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE) out += view(c->content);
  }
  return out;
}

Result<std::string> node_text(const xmlNode* element) {
  if (element == nullptr || element->type != XML_ELEMENT_NODE) {
    return fail(Errc::kMalformedRequest, "expected an element with text content");
  }
  std::string out;
  for (const xmlNode* c = element->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      out += view(c->content);
      continue;
    }
    return fail(Errc::kMalformedRequest,
                "element <" + std::string(view(element->name)) +
                    "> must contain only text (found a nested element, comment or instruction)");
  }
  return out;
}

}  // namespace sigil::xml
