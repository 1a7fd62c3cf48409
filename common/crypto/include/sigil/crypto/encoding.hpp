#pragma once
// Byte encodings and digests: base64, hex, SHA-256/SHA-1 and constant-time comparison.
//
// base64_decode is strict because its input is often attacker-supplied (SOAP BinarySecurityToken,
// SignatureValue, REST bodies): it skips ASCII whitespace (PEM bodies and XML text wrap lines) but
// refuses any other character outside the standard alphabet, misplaced or excess padding, and
// non-zero trailing bits, with kMalformedRequest. The URL-safe alphabet is not accepted.
//
// SHA-1 exists only to display certificate fingerprints next to what other tools print; never
// use it to sign or to decide trust.
//
// Thread-safety: pure functions.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::crypto {

using ByteView = std::span<const std::uint8_t>;
using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha1Digest = std::array<std::uint8_t, 20>;

/// The bytes of a string, without a copy.
inline ByteView bytes_of(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Standard base64 (RFC 4648 section 4) with padding and no line breaks.
std::string base64_encode(ByteView bytes);
/// Strict decode (see above); whitespace is skipped, anything else invalid is kMalformedRequest.
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);
/// The same, into a buffer that is wiped when dropped (for keys read from files).
Result<SecretBytes> base64_decode_secret(std::string_view text);

/// Lowercase hex, two characters per byte, no separators.
std::string hex_encode(ByteView bytes);
/// Uppercase hex pairs joined by ':', the way `openssl x509 -fingerprint` prints a digest.
std::string fingerprint_hex(ByteView digest);

Sha256Digest sha256(ByteView bytes);
/// For fingerprint display only (see above).
Sha1Digest sha1(ByteView bytes);

/// Constant-time comparison (CRYPTO_memcmp) of equally long inputs. Inputs of different lengths
/// compare unequal immediately: lengths are not treated as secret.
bool ct_equal(ByteView a, ByteView b) noexcept;

}  // namespace sigil::crypto
