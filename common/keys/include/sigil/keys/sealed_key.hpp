#pragma once
// A signing key ready to be stored: its key id, certificate chain and private key sealed with
// the master key, bound to where it will live. Every writer of signing keys (sigilctl's
// self-signed keys, certmgr's built-in CA, third-party imports) builds rows through
// seal_signing_key(), and the one reader (sts's loader) opens them with the same AAD.
//
// Key id: "sk-" + the first 16 hex digits of the leaf certificate's SHA-256.
// AAD: signing_key_aad(tenant, key_id) = "tenant=<tenant>;key=<key_id>", where `tenant` is the
// tenant's name as stored. A ciphertext copied onto another key id or tenant does not open.
//
// Thread-safety: pure functions.

#include <span>
#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/handles.hpp"

namespace sigil::keys {

/// The AAD of a signing key's private-key envelope: "tenant=<tenant>;key=<key_id>".
std::string signing_key_aad(std::string_view tenant, std::string_view key_id);

struct SealedSigningKey {
  std::string key_id;
  std::string algorithm;              ///< "rsa-sha256" or "ecdsa-sha256"
  std::string certificate_chain_pem;  ///< leaf first
  std::string certificate_sha256;     ///< lower-case hex of the leaf's DER
  std::string private_key_ciphertext;
  std::string master_key_id;
  TimePoint not_before;  ///< the leaf's validity
  TimePoint not_after;
};

/// Seals `key` for `tenant` with `chain` (leaf first, the leaf certifying `key`).
/// kInvalidArgument for an empty chain or a key that does not match the leaf;
/// kUnsupportedAlgorithm for a key that is neither RSA nor EC.
Result<SealedSigningKey> seal_signing_key(std::string_view tenant, EVP_PKEY* key,
                                          std::span<X509* const> chain,
                                          const crypto::MasterKey& master_key);

}  // namespace sigil::keys
