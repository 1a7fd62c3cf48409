#pragma once
// Randomness from OpenSSL's CSPRNG (RAND_bytes): raw bytes, SAML/WS-Security IDs and generated
// passwords. Never use <random> for anything an attacker could benefit from predicting.
//
// random_id() has no error path: it is called for every assertion Sigil issues, and a CSPRNG that
// cannot produce 16 bytes leaves nothing safe to do, so it aborts (SIGIL_CHECK) instead.
//
// Thread-safety: all functions are safe to call from any thread (OpenSSL's DRBG is per thread).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::crypto {

/// `n` bytes from RAND_bytes.
Result<std::vector<std::uint8_t>> random_bytes(std::size_t n);

/// Fills `out` from RAND_bytes (for buffers that must stay in secret memory).
Result<void> random_fill(std::span<std::uint8_t> out);

/// "_" followed by a random (version 4) UUID, e.g. "_3f2b8c1e-4d5a-4b6c-9d7e-0123456789ab".
/// The leading underscore makes it a valid xs:ID (an NCName may not start with a digit), which is
/// the form SAML assertions and WS-Security elements use.
std::string random_id();

/// A password of `chars` characters drawn uniformly from the URL-safe base64 alphabet
/// [A-Za-z0-9-_] (6 bits per character). `chars` must be at least 1 (kInvalidArgument).
Result<SecretString> random_password(std::size_t chars);

}  // namespace sigil::crypto
