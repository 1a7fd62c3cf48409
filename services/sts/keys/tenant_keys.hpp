#pragma once
// A tenant's token-signing key set, loaded from PostgreSQL and opened with the master key, and
// (until certmgr exists) the writer that creates a self-signed signing key for a tenant.
//
// Private-key envelopes are bound to where they live: the additional authenticated data is
// exactly signing_key_aad(tenant, key_id) = "tenant=" + tenant + ";key=" + key_id, where
// `tenant` is the tenant's name as stored in tenants.name. A ciphertext copied onto another key
// id or tenant therefore does not open. Every writer of signing_keys must use this function.
//
// SigningKeyLoader::load() reads the tenant's active and verify-only keys in one snapshot and
// decrypts only the active private key. Before handing the key set out it checks that the key
// can really sign: the decrypted key must belong to the active certificate and a test
// signature must verify with the certificate's public key. A key that fails is refused
// (kInternal, error log) rather than used to sign tokens nobody can verify.
//
// Thread-safety: SigningKeyLoader is thread-safe (each load takes its own pooled connection);
// it must not outlive the pool, master key and logger. A loaded TenantKeys is immutable and is
// shared (shared_ptr<const>) between the cache that holds it and the requests using it; its
// EVP_PKEY may sign from several threads at once. load() is synchronous: run it on the
// blocking thread pool.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/keys/sealed_key.hpp"
#include "sigil/db/signing_key_store.hpp"

namespace sigil::sts::keys {

/// The AAD of a signing key's private-key envelope (sigil/keys/sealed_key.hpp).
using sigil::keys::signing_key_aad;

struct TenantKeys {
  struct Key {
    std::string key_id;
    std::string state;                   ///< "active" or "verify-only"
    std::string algorithm;               ///< "rsa-sha256" or "ecdsa-sha256"
    crypto::X509Ptr cert;                ///< the signing certificate
    std::vector<crypto::X509Ptr> chain;  ///< its issuers, nearest first (cert not included)
    /// base64 DER of cert then chain: the ds:X509Data of a signature, as
    /// saml::SigningIdentity::chain_der_b64 wants it.
    std::vector<std::string> chain_der_b64;
    TimePoint not_before;
    TimePoint not_after;
    std::optional<TimePoint> verify_until;  ///< verify-only keys: last useful instant
  };

  std::string tenant;  ///< as stored
  /// The tenant row (token and lockout policy) read in the same snapshot as the keys; a policy
  /// change bumps the generation too (proto/sql/002), so the two never disagree.
  db::TenantRow tenant_row;
  /// tenants.keyset_generation read in the same snapshot as the keys.
  std::int64_t generation = 0;
  std::vector<Key> verifying;  ///< active first, then verify-only, newest first
  /// Pending keys (certificates only): published so relying parties can fetch them before
  /// they sign (certmgr's pre-publication delay), never trusted to verify a token.
  std::vector<Key> pending;
  crypto::EvpPkeyPtr active_private_key;
  std::size_t active_index = 0;

  const Key& active() const { return verifying[active_index]; }
};

class SigningKeyLoader {
 public:
  SigningKeyLoader(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                   const log::Logger& logger) noexcept
      : pool_(pool), master_key_(master_key), log_(logger) {}
  /// The same, with the clock that decides which verify-only keys have passed their
  /// verify_until (the other constructor uses the system clock). `clock` must outlive it.
  SigningKeyLoader(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                   const log::Logger& logger, const Clock& clock) noexcept
      : pool_(pool), master_key_(master_key), log_(logger), clock_(&clock) {}

  /// The tenant's key set. kNotFound for an unknown tenant; kKeyNotFound when it has no active
  /// key; kDecryptFailed when the active key was sealed under another master key (the message
  /// names the one needed) or its envelope does not open (altered, or moved between rows);
  /// kInternal when the active key does not match its certificate or cannot sign. A
  /// verify-only key whose certificate cannot be read is left out (error log), and so is a
  /// verify-only key whose verify_until has passed (due for retirement, not yet retired).
  Result<std::shared_ptr<const TenantKeys>> load(std::string_view tenant);

 private:
  Result<crypto::EvpPkeyPtr> open_active_key(const std::string& tenant, const std::string& key_id,
                                             const std::string& ciphertext,
                                             const TenantKeys::Key& key);

  db::ConnectionPool& pool_;
  const crypto::MasterKey& master_key_;
  const log::Logger& log_;
  const Clock* clock_ = nullptr;  // nullptr: the system clock
};

/// A new signing key of `type` with a self-signed certificate (CN "<tenant> token signing",
/// truncated to 64 characters; digitalSignature; not a CA; valid from `now` minus
/// `backdate` for `validity`), sealed with `master_key` under signing_key_aad(tenant, key id),
/// ready for db::KeySetStore. key_id is "sk-" + the first 16 hex digits of the certificate's
/// SHA-256; source builtin-ca.
Result<db::NewSigningKey> make_self_signed_signing_key(std::string_view tenant_name,
                                                       const crypto::MasterKey& master_key,
                                                       crypto::KeyType type, TimePoint now,
                                                       std::chrono::seconds backdate,
                                                       std::chrono::hours validity);

/// Creates a signing key of `type` for the tenant, with a self-signed certificate
/// (CN "<tenant> token signing", truncated to 64 characters; digitalSignature; not a CA;
/// valid from now minus the tenant's clock tolerance for `validity`), seals it with
/// `master_key`, stores it and makes it the active key, all in `tx`. A key active until then
/// becomes verify-only until now + the retention period of keys::retention_period (max token
/// lifetime incl. renewals + clock tolerance), so every token it signed, renewals included,
/// still verifies. The change goes through db::KeySetStore::rotate (tenant row locked, due keys
/// retired, audited as `actor`). Returns the key id,
/// "sk-" + the first 16 hex digits of the certificate's SHA-256.
/// kNotFound if there is no tenant `tenant_name`; kInvalidArgument if its id is not
/// `tenant_id`.
Result<std::string> create_self_signed_signing_key(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                                                   std::string_view tenant_name,
                                                   const crypto::MasterKey& master_key,
                                                   crypto::KeyType type, const Clock& clock,
                                                   std::chrono::hours validity,
                                                   std::string_view actor = "sigil");

}  // namespace sigil::sts::keys
