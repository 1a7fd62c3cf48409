#pragma once
// Envelope encryption of secrets at rest (signing keys in PostgreSQL) under a master key.
//
// A MasterKey is 32 random bytes kept in a file outside the database (a Kubernetes secret). Each
// record gets its own random 256-bit data key: the payload is encrypted with the data key, and
// the data key is wrapped with the master key, both with AES-256-GCM and fresh random 96-bit
// nonces. So the master key encrypts only 32-byte keys, no nonce is ever reused under one key,
// and rotating the master key means re-wrapping data keys only.
//
// Envelope format (one line of ASCII, safe in a TEXT column):
//
//   sigil-env-v1:<master key id>:<base64(W || D)>
//     W = wrap nonce (12) || wrapped data key (32) || wrap tag (16)        under the master key
//     D = data nonce (12) || ciphertext (len(plaintext)) || data tag (16)  under the data key
//
// Both GCM operations authenticate the same additional data: the header
// "sigil-env-v1:<master key id>:" followed by the caller's `aad`. Callers bind an envelope to
// where it lives (e.g. "tenant=acme;key=sk-42"), so a row copied to another tenant or key does
// not open. The master key id is "mk-" + the first 16 hex digits of SHA-256(master key); it lets
// rotation find which key sealed a row (master_key_id_of) without trying keys.
//
// Thread-safety: a MasterKey is immutable after loading and may be shared (by const reference)
// across threads; seal/open are pure functions.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "sigil/base/result.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::crypto {

class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;

  /// A master key from exactly kSize bytes (else kInvalidArgument).
  static Result<MasterKey> from_bytes(ByteView key);
  /// A fresh random master key (tests; files are made by create_master_key_file).
  static Result<MasterKey> generate();

  /// "mk-" + 16 lowercase hex digits.
  const std::string& id() const noexcept { return id_; }

 private:
  friend Result<std::string> seal(const MasterKey&, ByteView, std::string_view);
  friend Result<SecretBytes> open(const MasterKey&, std::string_view, std::string_view);

  MasterKey(SecretBytes key, std::string id) : key_(std::move(key)), id_(std::move(id)) {}

  SecretBytes key_;
  std::string id_;
};

/// Loads a master key file: the base64 of kSize bytes, optionally followed by whitespace.
/// A missing file is kNotFound. A file that group or others may access (mode & 077), that is not
/// a regular file, or that does not hold exactly kSize bytes is kInvalidArgument.
Result<MasterKey> load_master_key(const std::filesystem::path& path);

/// Writes a new random master key to `path` with mode 0600. Never overwrites: an existing file
/// is kConflict.
Result<void> create_master_key_file(const std::filesystem::path& path);

/// Encrypts `plaintext` into an envelope bound to `aad` (see above).
Result<std::string> seal(const MasterKey& master_key, ByteView plaintext, std::string_view aad);

/// Decrypts an envelope. An envelope sealed under another master key is kDecryptFailed (the
/// message names the key it needs); a wrong `aad` or any modified byte is kDecryptFailed; text
/// that is not an envelope is kMalformedRequest.
Result<SecretBytes> open(const MasterKey& master_key, std::string_view envelope,
                         std::string_view aad);

/// The master key id inside an envelope, or "" if `envelope` is not one.
std::string master_key_id_of(std::string_view envelope);

/// seal() of the key's PKCS#8 DER.
Result<std::string> seal_private_key(const MasterKey& master_key, EVP_PKEY* key,
                                     std::string_view aad);
/// open() and parse the PKCS#8 DER inside.
Result<EvpPkeyPtr> open_private_key(const MasterKey& master_key, std::string_view envelope,
                                    std::string_view aad);

}  // namespace sigil::crypto
