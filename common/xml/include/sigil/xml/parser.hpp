#pragma once
// The one parser for untrusted XML (requests, tokens presented to us). It implements the parser
// rules of docs/reference/threats.md §2.1 ("One parse, one tree"):
//   - the size limit is checked before any parsing;
//   - any DOCTYPE is refused before a single entity can be declared or expanded (a byte scan for
//     "<!DOCTYPE" plus SAX internal/external-subset hooks that stop the parser);
//   - XML_PARSE_NONET; never NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE;
//   - UTF-8 only: a UTF-16/32 byte-order mark or a declared encoding other than UTF-8 is refused;
//   - processing instructions are refused (the XML declaration is not one);
//   - namespace errors (an undeclared prefix, ...) are refused, not merely warned about;
//   - depth and element count are enforced while parsing (SAX hooks), then depth, total node count
//     (elements, attributes, text, CDATA, comments) and text/attribute sizes on the finished tree,
//     iteratively, so a 100000-deep input cannot exhaust the stack.
// Errors: kMalformedRequest (ill-formed, DOCTYPE, encoding, PI) and kPayloadTooLarge (a limit);
// Error::message says which rule; libxml2's own text goes to Error::detail, never to stderr.
//
// Thread-safety: reentrant; requires a live XmlSecLibrary (for libxml2 initialisation).

#include <cstddef>
#include <string_view>

#include "sigil/base/result.hpp"
#include "sigil/xml/handles.hpp"

namespace sigil::xml {

struct ParseLimits {
  size_t max_bytes = size_t{1} << 20;                 // whole input
  int max_depth = 64;                                 // element nesting; must be < 256 (libxml2)
  size_t max_nodes = 20000;                           // elements + attributes + text + comments
  size_t max_attr_or_text_bytes = size_t{256} << 10;  // one attribute value or text node
};

/// Parses bytes from an untrusted source under `limits`; see the header comment for the rules.
Result<XmlDocPtr> parse_untrusted(std::string_view bytes, const ParseLimits& limits = {});

}  // namespace sigil::xml
