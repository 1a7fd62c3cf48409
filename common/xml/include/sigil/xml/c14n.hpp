#pragma once
// Canonical and plain serialisation of libxml2 trees.
//
// exc_c14n() is Exclusive XML Canonicalization 1.0 (the only c14n Sigil signs or accepts) of the
// subtree rooted at `node`: exactly the bytes a Reference with the exc-c14n transform digests
// (before any enveloped-signature removal). `inclusive_prefixes` is the InclusiveNamespaces
// PrefixList ("#default" names the default namespace).
//
// Thread-safety: pure functions over a tree that the calling thread owns.

#include <string>
#include <vector>

#include <libxml/tree.h>

#include "sigil/base/result.hpp"

namespace sigil::xml {

/// Exclusive c14n (XML_C14N_EXCLUSIVE_1_0) of the subtree rooted at `node`.
Result<std::string> exc_c14n(xmlDoc* doc, xmlNode* node,
                             const std::vector<std::string>& inclusive_prefixes = {},
                             bool with_comments = false);

/// The whole document as UTF-8 bytes, with an XML declaration; no reformatting.
Result<std::string> serialize(xmlDoc* doc);

/// One element and its subtree as UTF-8 bytes, without an XML declaration; no reformatting.
/// Namespace declarations made on ancestors are not copied onto it.
Result<std::string> serialize_node(xmlDoc* doc, xmlNode* node);

}  // namespace sigil::xml
