#pragma once
// Signing keys: rows of `signing_keys`, read and written inside a caller's transaction.
//
// Lifecycle: insert() stores a key as pending; activate() makes a pending key the tenant's
// active key; deactivate() moves the active key to verify-only. The database allows at most
// one active key per tenant (partial unique index), so activate() fails with kConflict while
// another key is active: a rotation deactivates the old key and activates the new one in the
// same transaction. Every change bumps tenants.keyset_generation and NOTIFYs `sigil_keyset`
// (trigger in proto/sql/001_initial.sql).
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/keys/sealed_key.hpp"

namespace sigil::db {

enum class SigningKeyState { kPending, kActive, kVerifyOnly, kRetired };
enum class SigningKeySource { kBuiltinCa, kThirdParty };

/// "pending", "active", "verify-only", "retired": the schema's spelling.
std::string_view state_name(SigningKeyState state) noexcept;
/// "builtin-ca", "third-party".
std::string_view source_name(SigningKeySource source) noexcept;

/// A key to store. The private key arrives already envelope-encrypted.
struct NewSigningKey {
  std::int64_t tenant_id = 0;
  std::string key_id;
  SigningKeySource source = SigningKeySource::kBuiltinCa;
  std::string algorithm;              ///< e.g. "rsa-sha256"
  std::string certificate_chain_pem;  ///< leaf first
  std::string certificate_sha256;     ///< lower-case hex of the leaf's DER
  std::string private_key_ciphertext;
  std::string master_key_id;
  TimePoint not_before;
  TimePoint not_after;
};

/// The row for a key sealed by keys::seal_signing_key (the one way signing-key rows are built).
NewSigningKey new_signing_key(const keys::SealedSigningKey& sealed, SigningKeySource source,
                              std::int64_t tenant_id = 0);

struct SigningKeyRow {
  std::int64_t id = 0;
  std::int64_t tenant_id = 0;
  std::string key_id;
  SigningKeyState state = SigningKeyState::kPending;
  SigningKeySource source = SigningKeySource::kBuiltinCa;
  std::string algorithm;
  std::string certificate_chain_pem;
  std::string certificate_sha256;
  std::string private_key_ciphertext;
  std::string master_key_id;
  TimePoint not_before;
  TimePoint not_after;
  TimePoint created_at;
  std::optional<TimePoint> activated_at;
  std::optional<TimePoint> deactivated_at;
  std::optional<TimePoint> verify_until;
  std::optional<TimePoint> retired_at;
};

/// A row of issued_tokens (the light issue log used by `sigilctl rotate --dry-run`).
struct IssuedTokenRow {
  std::string token_id;
  std::string key_id;
  TimePoint issued_at;
  TimePoint not_on_or_after;
};

class SigningKeyStore {
 public:
  explicit SigningKeyStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// Stores a pending key. kConflict if the key id exists; kNotFound for an unknown tenant.
  Result<SigningKeyRow> insert(const NewSigningKey& key);
  /// pending -> active at `at`. kKeyNotFound if the tenant has no such key; kConflict if the
  /// key is not pending or the tenant already has an active key.
  Result<void> activate(std::int64_t tenant_id, std::string_view key_id, TimePoint at);
  /// active -> verify-only at `at`, verifying tokens until `verify_until`.
  /// kKeyNotFound if the tenant has no such key; kConflict if it is not active.
  Result<void> deactivate(std::int64_t tenant_id, std::string_view key_id, TimePoint at,
                          TimePoint verify_until);
  /// The tenant's keys, newest first.
  Result<std::vector<SigningKeyRow>> list(std::int64_t tenant_id);
  /// The keys that verify tokens: the active key first, then the verify-only keys, most
  /// recently deactivated first. Retired and pending keys are left out.
  Result<std::vector<SigningKeyRow>> list_verifying(std::int64_t tenant_id);
  /// The same, leaving out verify-only keys whose verify_until is at or before `now`: they
  /// are due for retirement and verify nothing, even before a writer has retired them.
  Result<std::vector<SigningKeyRow>> list_verifying(std::int64_t tenant_id, TimePoint now);
  /// The key `key_id` of the tenant; kKeyNotFound if there is none.
  Result<SigningKeyRow> find(std::int64_t tenant_id, std::string_view key_id);
  /// verify-only -> retired at `now` for every key whose verify_until <= now; the retired rows
  /// (as they were before), oldest first.
  Result<std::vector<SigningKeyRow>> retire_due(std::int64_t tenant_id, TimePoint now);
  /// Tokens of the tenant's keys with not_on_or_after > `after`, soonest to expire last, at
  /// most `limit`.
  Result<std::vector<IssuedTokenRow>> list_issued_tokens(std::int64_t tenant_id, TimePoint after,
                                                         std::int64_t limit = 10000);
  /// Raises the active key's verify_until to at least `floor` (a floor for the verify_until
  /// its deactivation will set, kept when the tenant's token lifetimes shrink).
  Result<void> raise_verify_floor(std::int64_t tenant_id, std::string_view key_id,
                                  TimePoint floor);
  /// Stores `key` and makes it the tenant's active key at `at`, in the caller's transaction.
  /// The key active until then, if any, becomes verify-only until `previous_verify_until`.
  /// Locks the tenant row first, so concurrent rotations of one tenant run one after the
  /// other. kNotFound for an unknown tenant; kConflict if the key id exists.
  Result<SigningKeyRow> insert_active(const NewSigningKey& key, TimePoint at,
                                      TimePoint previous_verify_until);

 private:
  Result<void> explain_unchanged(std::int64_t tenant_id, std::string_view key_id,
                                 SigningKeyState expected);

  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
