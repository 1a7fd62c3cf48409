#include "sigil/base/dns_name.hpp"

#include <algorithm>
#include <cstddef>

namespace sigil {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

bool is_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > kMaxLabel || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

bool is_dns_name(std::string_view name) noexcept {
  if (name.size() > kMaxName) return false;
  for (;;) {
    const std::size_t dot = name.find('.');
    if (!is_label(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

bool is_dns_name_or_wildcard(std::string_view name) noexcept {
  if (name.size() > kMaxName) return false;
  if (name.starts_with("*.")) name.remove_prefix(2);
  return is_dns_name(name);
}

}  // namespace sigil
