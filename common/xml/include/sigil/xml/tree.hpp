#pragma once
// Small, strict helpers for reading a libxml2 tree: elements are matched by namespace URI and
// local name (never by prefix, never by local name alone), walks are iterative (no recursion, so
// depth never threatens the stack), and text is read with node_text(), which sees *all* of an
// element's character data. A "first text child" reader returns only a prefix when a comment
// splits the text (the 2018 comment-injection class), so never read `children->content`.
//
// Thread-safety: pure functions over a tree that the calling thread owns.

#include <string>
#include <string_view>

#include <libxml/tree.h>

#include "sigil/base/result.hpp"

namespace sigil::xml {

inline constexpr std::string_view kDsigNs = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kExcC14nNs = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr std::string_view kWsuNs =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
inline constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

// True when `node` is an element with this namespace URI ("" = no namespace) and local name.
bool is_element(const xmlNode* node, std::string_view ns, std::string_view local) noexcept;
// True when `attr` has this namespace URI ("" = no namespace) and local name.
bool is_attribute(const xmlAttr* attr, std::string_view ns, std::string_view local) noexcept;

// The namespace URI of an element or attribute, "" when it has none.
std::string_view namespace_of(const xmlNode* node) noexcept;
std::string_view namespace_of(const xmlAttr* attr) noexcept;

// Element children only (text, comments, ... are skipped); nullptr at the end.
xmlNode* first_child_element(const xmlNode* parent) noexcept;
xmlNode* next_sibling_element(const xmlNode* node) noexcept;

// The node after `node` in document order, staying inside the subtree of `root`; nullptr when
// the walk is done. Descends into elements and documents only (attributes are not visited).
xmlNode* next_in_subtree(const xmlNode* node, const xmlNode* root) noexcept;

// The attribute with this namespace URI ("" = none) and local name, or nullptr.
xmlAttr* find_attribute(const xmlNode* element, std::string_view ns,
                        std::string_view local) noexcept;
// The value of an attribute (its text children concatenated).
std::string attribute_value(const xmlAttr* attr);

/// The character data of a text-only element: all text and CDATA children concatenated.
/// Element, comment, processing-instruction or entity-reference children are refused
/// (kMalformedRequest), because readers disagree about what such a value means.
Result<std::string> node_text(const xmlNode* element);

}  // namespace sigil::xml
