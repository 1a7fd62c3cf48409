#pragma once
// Password hashing for local users (admin API, WS-Trust UsernameToken): scrypt through OpenSSL 3's
// EVP_KDF, stored in the PHC-style string passlib and others use:
//
//   $scrypt$ln=15,r=8,p=1$<base64 salt>$<base64 hash>
//
// (standard base64 alphabet, no padding). New hashes use N = 2^15, r = 8, p = 1 (32 MiB, about
// 100 ms), a 16-byte random salt and a 32-byte output. verify_password reads the parameters from
// the string, so they can be raised later without invalidating stored hashes; it refuses absurd
// ones (ln > 20, r > 32, p > 16, more than 256 MiB of memory) so a bad row cannot exhaust memory.
//
// When a user does not exist, call dummy_verify() with the presented password: it costs the same
// as a real verification, so response time does not reveal which user names exist.
//
// Thread-safety: pure functions; safe from any thread (each call uses its own KDF context).
// Each call takes about 100 ms of CPU: run it off the io_context threads.

#include <string>
#include <string_view>

#include "sigil/base/result.hpp"

namespace sigil::crypto {

/// A new encoded hash of `password` with a fresh salt. Passwords over 1024 bytes are
/// kPayloadTooLarge.
Result<std::string> hash_password(std::string_view password);

/// true if `password` matches `encoded`, false if not (compared in constant time). An encoded
/// string that does not parse, or has out-of-range parameters, is kMalformedRequest.
Result<bool> verify_password(std::string_view password, std::string_view encoded);

/// Spends the time of one verify_password at the default parameters and discards the result.
void dummy_verify(std::string_view password);

}  // namespace sigil::crypto
