#pragma once
// Escaping for character data Sigil writes into one-line XML responses (SOAP fault strings,
// WS-Trust reasons): & < > escaped, CR and LF as character references so the document stays on
// one line, and other control characters, which XML 1.0 cannot carry, replaced by '?'.
// (Canonical XML has its own, exact rules: common/saml writes those.)
//
// Thread-safety: pure function.

#include <string>
#include <string_view>

namespace sigil {

std::string escape_xml_text(std::string_view text);

}  // namespace sigil
