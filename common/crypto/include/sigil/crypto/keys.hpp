#pragma once
// Asymmetric keys: generation, description, PEM/DER (PKCS#8) encoding, and raw signatures.
//
// Sigil generates exactly three key types (KeyType). describe() also recognises what customers
// may import (RSA-4096, ECDSA P-384, ...) so callers can decide what to accept. Signatures are
// RSA PKCS#1 v1.5 or ECDSA (DER-encoded, as X.509 and PKCS#7 expect; XML-DSig wants r || s,
// which common/saml converts to) over SHA-256/384/512; SHA-1 is deliberately not offered.
//
// Private keys never pass through std::string: encoders return SecretString/SecretBytes. Readers
// never prompt: an encrypted PEM without a passphrase is refused with kInvalidArgument.
//
// Thread-safety: pure functions. An EVP_PKEY may be used from several threads at once for
// signing and verifying once it is fully built (OpenSSL 3 rule); do not modify a shared key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::crypto {

/// The key types Sigil generates.
enum class KeyType { kRsa2048, kRsa3072, kEcdsaP256 };

/// "RSA-2048", "RSA-3072" or "ECDSA-P256" (the same text describe() produces).
std::string_view key_type_name(KeyType type) noexcept;
/// The inverse of key_type_name(); anything else is kUnsupportedAlgorithm.
Result<KeyType> parse_key_type(std::string_view name);

enum class KeyAlgorithm { kRsa, kEc, kOther };

/// What a key is, for logs, policy and import checks.
struct KeyInfo {
  KeyAlgorithm algorithm = KeyAlgorithm::kOther;
  int bits = 0;                 // modulus size for RSA, field size for EC
  std::string curve;            // NIST name for EC ("P-256", "P-384"), else empty
  std::string description;      // "RSA-3072", "ECDSA-P256", "ECDSA-P384", "ED25519", ...
  std::optional<KeyType> type;  // set when Sigil could have generated this key
};

KeyInfo describe(const EVP_PKEY* key);

/// A fresh key pair of the given type.
Result<EvpPkeyPtr> generate_key(KeyType type);

/// Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
Result<SecretString> write_private_key_pem(EVP_PKEY* key);
/// Reads a PEM private key (PKCS#8, encrypted PKCS#8 or traditional). An encrypted key with an
/// empty `passphrase` is kInvalidArgument, a wrong passphrase kDecryptFailed, anything else that
/// is not a private key kMalformedRequest.
Result<EvpPkeyPtr> read_private_key_pem(std::string_view pem, std::string_view passphrase = {});

/// Unencrypted PKCS#8 DER (PrivateKeyInfo).
Result<SecretBytes> write_private_key_der(EVP_PKEY* key);
/// Reads unencrypted PKCS#8 DER; trailing bytes or other formats are kMalformedRequest.
Result<EvpPkeyPtr> read_private_key_der(ByteView der);

/// SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
Result<std::string> write_public_key_pem(EVP_PKEY* key);
Result<EvpPkeyPtr> read_public_key_pem(std::string_view pem);

/// True if `cert` carries the public half of `key`.
bool key_matches_certificate(EVP_PKEY* key, X509* cert);

enum class Digest { kSha256, kSha384, kSha512 };

std::string_view digest_name(Digest digest) noexcept;  // "SHA-256", ...

/// Signs `data` (RSA PKCS#1 v1.5, or ECDSA with a DER-encoded signature).
Result<std::vector<std::uint8_t>> sign(EVP_PKEY* key, Digest digest, ByteView data);
/// kSignatureInvalid unless `signature` is a valid signature of `data` by `key`.
Result<void> verify(EVP_PKEY* key, Digest digest, ByteView data, ByteView signature);

}  // namespace sigil::crypto
