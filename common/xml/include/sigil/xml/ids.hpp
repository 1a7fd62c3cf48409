#pragma once
// Same-document IDs. An ID attribute is `ID` or `Id` (no namespace), `wsu:Id` or `xml:id`; every
// ID value must be unique in the whole document (docs/reference/threats.md §2.2 "Be strict about
// shape first"), and Sigil only accepts values that are NCNames, so "#value" is always a bare-name
// reference and never an XPointer expression.
//
// Thread-safety: register_ids() writes the document's ID table; one thread per document.

#include <string>

#include <libxml/tree.h>

#include "sigil/base/result.hpp"

namespace sigil::xml {

// True for ID / Id (no namespace), wsu:Id and xml:id.
bool is_id_attribute(const xmlAttr* attr) noexcept;

// True when `value` is an ASCII NCName: [A-Za-z_][A-Za-z0-9_.-]*.
bool is_ncname(std::string_view value) noexcept;

/// The value of `element`'s one ID attribute. kSignatureInvalid when it has none, several, or a
/// value that is not an NCName.
Result<std::string> element_id(const xmlNode* element);

/// Registers every ID attribute of `doc` with xmlAddID (so "#value" references resolve) and fails
/// with kSignatureInvalid when any ID value occurs more than once in the document.
Result<void> register_ids(xmlDoc* doc);

/// The element that "#value" resolves to once register_ids() has run, or nullptr.
xmlNode* element_by_id(xmlDoc* doc, const std::string& value) noexcept;

}  // namespace sigil::xml
