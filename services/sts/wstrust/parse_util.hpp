#pragma once
// Internal to wstrust: small strict readers shared by the RST and wsse:Security parsers.
// Element-only content may contain whitespace and comments between elements and nothing else;
// text values are read with xml::node_text (all character data, comments refused) and trimmed
// of XML whitespace, as xs:anyURI, xs:boolean and xs:dateTime values are collapsed by schema.
//
// Thread-safety: pure functions over a tree the calling thread owns.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::sts::wstrust::detail {

/// Element children of `parent`. Non-blank text, CDATA or processing instructions between them
/// are kMalformedRequest; whitespace and comments are skipped.
Result<std::vector<xmlNode*>> element_children(const xmlNode* parent);

/// The text of a text-only element, XML whitespace trimmed at both ends.
Result<std::string> trimmed_text(const xmlNode* element);

/// xs:boolean ("true", "false", "1", "0", surrounding whitespace allowed).
Result<bool> parse_boolean(std::string_view text, std::string_view what);

/// A UTC xs:dateTime (`...Z`), read from a text-only element.
Result<TimePoint> read_instant(const xmlNode* element, std::string_view what);

/// The value of the attribute (namespace URI "" = none), or nullopt when absent.
std::optional<std::string> attribute(const xmlNode* element, std::string_view ns,
                                     std::string_view local);

/// The local name of an element for messages (at most 64 characters; never text content).
std::string element_name(const xmlNode* element);

/// kMalformedRequest "<what> must appear at most once" unless `slot` is still empty.
Result<void> check_once(const xmlNode* slot, std::string_view what);

/// The single saml2:Assertion element child of a token container (ActAs, RenewTarget, ...).
Result<xmlNode*> only_assertion_child(const xmlNode* container, std::string_view what);

}  // namespace sigil::sts::wstrust::detail
