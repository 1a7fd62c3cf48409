#pragma once
// ASCII case folding for the protocol names Sigil compares or stores case-insensitively
// (hostnames, tenant names, group names, media types, auth schemes): only 'A'-'Z' change. Every
// other byte, UTF-8 sequences included, is kept as it is, whatever the C locale says.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

namespace sigil {

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `text` with 'A'-'Z' lowered.
std::string ascii_lower(std::string_view text);

// True when `a` and `b` are equal once 'A'-'Z' are lowered in both.
bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept;

}  // namespace sigil
