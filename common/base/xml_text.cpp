#include "sigil/base/xml_text.hpp"

namespace sigil {

namespace {

// The character reference `c` is written as where `how` says, or nullptr to write `c` itself.
const char* reference_for(char c, XmlEscaping how) noexcept {
  const bool c14n_attribute = how == XmlEscaping::kC14nAttribute;
  const bool attribute = c14n_attribute || how == XmlEscaping::kOneLineAttribute;
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '\r': return "&#xD;";
    case '>': return c14n_attribute ? nullptr : "&gt;";
    case '"': return attribute ? "&quot;" : nullptr;
    case '\n': return how == XmlEscaping::kC14nText ? nullptr : "&#xA;";
    case '\t': return c14n_attribute ? "&#x9;" : nullptr;
    default: return nullptr;
  }
}

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text, XmlEscaping how) {
  const bool one_line = how == XmlEscaping::kOneLineText || how == XmlEscaping::kOneLineAttribute;
  for (char c : text) {
    if (const char* reference = reference_for(c, how)) {
      out += reference;
    } else {
      out += (one_line && static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
    }
  }
}

std::string escape_xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_xml_escaped(out, text, XmlEscaping::kOneLineText);
  return out;
}

namespace {

bool is_xml_char(char32_t c) noexcept {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes the UTF-8 sequence at `i` into `c` and returns its length, or 0 when it is malformed
// (truncated, a bad continuation byte, overlong, or above U+10FFFF).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& c) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    c = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b & 0x3F);
  }
  return c < min || c > 0x10FFFF ? 0 : n;
}

}  // namespace

bool is_xml_chars(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = 0;
    const std::size_t n = decode_utf8(text, i, c);
    if (n == 0 || !is_xml_char(c)) return false;
    i += n;
  }
  return true;
}

}  // namespace sigil
