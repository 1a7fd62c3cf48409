#include "sigil/crypto/random.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <string_view>

#include <openssl/rand.h>

#include "sigil/crypto/crypto_error.hpp"

namespace sigil::crypto {
namespace {

constexpr std::string_view kUrlSafeAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static_assert(kUrlSafeAlphabet.size() == 64);

}  // namespace

Result<void> random_fill(std::span<std::uint8_t> out) {
  // RAND_bytes takes an int; larger requests are split.
  while (!out.empty()) {
    std::size_t chunk = std::min<std::size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) return crypto_error("RAND_bytes");
    out = out.subspan(chunk);
  }
  return {};
}

Result<std::vector<std::uint8_t>> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  SIGIL_TRY_VOID(random_fill(out));
  return out;
}

std::string random_id() {
  std::array<std::uint8_t, 16> b{};
  SIGIL_CHECK(RAND_bytes(b.data(), static_cast<int>(b.size())) == 1);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string id = "_";
  id.reserve(37);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[b[i] >> 4];
    id += kHex[b[i] & 0x0F];
  }
  return id;
}

Result<SecretString> random_password(std::size_t chars) {
  if (chars == 0) return fail(Errc::kInvalidArgument, "a password needs at least one character");
  SecretBytes raw(chars);
  SIGIL_TRY_VOID(random_fill(raw.mutable_span()));
  // 256 is a multiple of 64, so taking the low 6 bits keeps the choice uniform.
  for (std::uint8_t& byte : raw.mutable_span()) {
    byte = static_cast<std::uint8_t>(kUrlSafeAlphabet[byte & 0x3F]);
  }
  return SecretString(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

}  // namespace sigil::crypto
