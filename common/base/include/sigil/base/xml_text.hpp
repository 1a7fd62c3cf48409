#pragma once
// Escaping for character data Sigil writes into one-line XML responses (SOAP fault strings,
// WS-Trust reasons): & < > escaped, CR and LF as character references so the document stays on
// one line, and other control characters, which XML 1.0 cannot carry, replaced by '?'.
// (Canonical XML has its own, exact rules: common/saml writes those.) is_xml_chars tells
// whether text can be carried by XML at all.
//
// Thread-safety: pure function.

#include <string>
#include <string_view>

namespace sigil {

std::string escape_xml_text(std::string_view text);

// True when `text` is well-formed UTF-8 and every character matches XML 1.0's Char production
// (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]): no other control
// character, no U+FFFE/U+FFFF, no surrogate, no overlong form. Text that fails cannot appear in
// a well-formed XML document, escaped or not (docs/security.md "Text in tokens").
bool is_xml_chars(std::string_view text) noexcept;

}  // namespace sigil
