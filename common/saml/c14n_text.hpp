#pragma once
// Escaping exactly as exclusive canonicalisation writes text and attribute values
// (W3C Canonical XML 1.0 section 2.3), so what the writer emits is already canonical.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

namespace sigil::saml::detail {

// Text node: & < > and CR escaped.
void append_c14n_text(std::string& out, std::string_view text);
// Attribute value (without the quotes): & < " TAB LF CR escaped.
void append_c14n_attr(std::string& out, std::string_view value);

}  // namespace sigil::saml::detail
