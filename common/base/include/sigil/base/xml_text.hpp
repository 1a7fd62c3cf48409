#pragma once
// Escaping for the text Sigil writes into XML, in one place for every form it writes:
// - one-line responses (SOAP fault strings, WS-Trust reasons, SAML metadata): & < > escaped, CR
//   and LF as character references so the document stays on one line, and other control
//   characters, which XML 1.0 cannot carry, replaced by '?'; in an attribute also ";
// - canonical XML (the SAML writer, whose output is already exclusive-c14n form): exactly what
//   W3C Canonical XML 1.0 section 2.3 escapes, a text node & < > CR, an attribute value
//   & < " TAB LF CR, and nothing else.
// is_xml_chars tells whether text can be carried by XML at all.
//
// Thread-safety: pure function.

#include <string>
#include <string_view>

namespace sigil {

enum class XmlEscaping {
  kOneLineText,       // element content of a one-line response
  kOneLineAttribute,  // a double-quoted attribute value of a one-line response
  kC14nText,          // a text node as exclusive c14n writes it
  kC14nAttribute,     // an attribute value (without its quotes) as exclusive c14n writes it
};

// Appends `text` to `out`, escaped for where `how` says it goes.
void append_xml_escaped(std::string& out, std::string_view text, XmlEscaping how);

// `text` escaped as kOneLineText.
std::string escape_xml_text(std::string_view text);

// True when `text` is well-formed UTF-8 and every character matches XML 1.0's Char production
// (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]): no other control
// character, no U+FFFE/U+FFFF, no surrogate, no overlong form. Text that fails cannot appear in
// a well-formed XML document, escaped or not (docs/security.md "Text in tokens").
bool is_xml_chars(std::string_view text) noexcept;

}  // namespace sigil
