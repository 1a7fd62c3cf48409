#include "sigil/crypto/encoding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sigil/base/result.hpp"

namespace sigil::crypto {
namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    t[static_cast<std::uint8_t>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr std::array<std::int8_t, 256> kBase64Table = make_base64_table();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

sigil::Unexpected<Error> malformed_base64(std::string_view why, std::size_t offset) {
  return fail(Errc::kMalformedRequest, "invalid base64: " + std::string(why),
              "at offset " + std::to_string(offset));
}

// Decodes `text` into `out`, which must hold at least text.size() / 4 * 3 + 3 bytes, and returns
// the number of bytes written.
Result<std::size_t> decode_into(std::string_view text, std::span<std::uint8_t> out) {
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  std::size_t written = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_space(c)) continue;
    if (c == '=') {
      if (++padding > 2) return malformed_base64("too much padding", i);
      continue;
    }
    if (padding > 0) return malformed_base64("data after padding", i);
    std::int8_t v = kBase64Table[static_cast<std::uint8_t>(c)];
    if (v < 0) return malformed_base64("character outside the alphabet", i);
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = static_cast<std::uint8_t>(acc >> bits);
      acc &= (1U << bits) - 1;
    }
  }
  if ((symbols + padding) % 4 != 0) return malformed_base64("length is not a multiple of 4", 0);
  if (acc != 0) return malformed_base64("non-zero trailing bits", text.size());
  return written;
}

template <std::size_t N>
std::array<std::uint8_t, N> digest(const EVP_MD* md, ByteView bytes) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  // A digest over bytes in memory fails only if the library itself is broken.
  SIGIL_CHECK(EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, md, nullptr) == 1);
  SIGIL_CHECK(len == N);
  return out;
}

}  // namespace

std::string base64_encode(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += kBase64Alphabet[(v >> 18) & 0x3F];
    out += kBase64Alphabet[(v >> 12) & 0x3F];
    out += kBase64Alphabet[(v >> 6) & 0x3F];
    out += kBase64Alphabet[v & 0x3F];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  std::uint32_t v = std::uint32_t{bytes[i]} << 16;
  if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
  out += kBase64Alphabet[(v >> 18) & 0x3F];
  out += kBase64Alphabet[(v >> 12) & 0x3F];
  out += rest == 2 ? kBase64Alphabet[(v >> 6) & 0x3F] : '=';
  out += '=';
  return out;
}

Result<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);
  SIGIL_TRY(std::size_t n, decode_into(text, out));
  out.resize(n);
  return out;
}

Result<SecretBytes> base64_decode_secret(std::string_view text) {
  SecretBytes scratch(text.size() / 4 * 3 + 3);
  SIGIL_TRY(std::size_t n, decode_into(text, scratch.mutable_span()));
  return SecretBytes(scratch.span().first(n));
}

std::string hex_encode(ByteView bytes) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0F];
  }
  return out;
}

std::string fingerprint_hex(ByteView digest) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(digest.size() * 3);
  for (std::uint8_t b : digest) {
    if (!out.empty()) out += ':';
    out += kHex[b >> 4];
    out += kHex[b & 0x0F];
  }
  return out;
}

Sha256Digest sha256(ByteView bytes) { return digest<32>(EVP_sha256(), bytes); }

Sha1Digest sha1(ByteView bytes) { return digest<20>(EVP_sha1(), bytes); }

bool ct_equal(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sigil::crypto
