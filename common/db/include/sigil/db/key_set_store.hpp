#pragma once
// A tenant's signing key set as a unit: every change is all-or-nothing inside the caller's
// transaction, serialised per tenant, audited, and visible to every sts replica.
//
//   auto change = db::transact(pool, "signing-key.rotate", [&](pqxx::dbtransaction& tx) {
//     return db::KeySetStore(tx, "sigilctl:root").rotate("vsphere.local", new_key, clock.now());
//   });
//
// Each operation
//   1. locks the tenant row (SELECT ... FOR UPDATE), so two changes of one tenant run one after
//      the other and each sees the other's result;
//   2. retires every verify-only key whose verify_until <= now (keys::due_for_retirement);
//   3. makes its own change, planned by common/keys (keys::plan_activation: the previous active
//      key becomes verify-only until now + max token lifetime incl. renewals + tolerance);
//   4. appends one audit_log row per change (actor, action, tenant, target key id, old and new
//      key ids as jsonb).
//   5. appends one change_log record (kind "keyset.add", ".activate", ".rotate", ".import",
//      ".retire") whose payload is the tenant's whole key set afterwards, for linked peers
//      (peer_store.hpp, docs/peers.md); retire_due() only when it retired something.
// The signing_keys trigger bumps tenants.keyset_generation and NOTIFYs `sigil_keyset` for every
// row changed, so replicas reload after COMMIT. An error leaves the transaction to be rolled
// back (transact() does), so a failed operation changes nothing.
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
#include "sigil/db/signing_key_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/keys/key_set.hpp"

namespace sigil::db {

/// The retention rule's inputs from a tenant's stored policy.
keys::RetentionPolicy retention_policy_of(const TenantRow& tenant);
/// A row as the domain model sees it.
keys::KeyRecord key_record_of(const SigningKeyRow& row);

/// What one operation changed.
struct KeySetChange {
  std::string tenant;  ///< as stored
  std::int64_t tenant_id = 0;
  std::optional<SigningKeyRow> added;      ///< the inserted key (add, rotate, import)
  std::optional<std::string> activated;    ///< the new active key
  std::optional<std::string> deactivated;  ///< the previous active key, now verify-only
  std::optional<TimePoint> deactivated_verify_until;
  std::vector<std::string> retired;  ///< keys retired because they were due
  std::int64_t generation = 0;       ///< tenants.keyset_generation afterwards
};

/// A tenant with its keys, newest first.
struct KeySetView {
  TenantRow tenant;
  std::vector<SigningKeyRow> keys;
};

class KeySetStore {
 public:
  /// `actor` goes into every audit row ("sigilctl:root", "sigil-certmgr", ...).
  KeySetStore(pqxx::dbtransaction& tx, std::string actor) : tx_(tx), actor_(std::move(actor)) {}

  /// Stores `key` (its tenant_id is ignored) as pending. kNotFound for an unknown tenant;
  /// kConflict if the key id exists.
  Result<KeySetChange> add_pending(std::string_view tenant, NewSigningKey key, TimePoint now);
  /// Makes the pending key `key_id` active; the previous active key becomes verify-only.
  /// kKeyNotFound, kConflict (not pending), kInvalidTimeRange (certificate not valid now).
  Result<KeySetChange> activate(std::string_view tenant, std::string_view key_id, TimePoint now);
  /// add_pending + activate in one step (audited as one "signing-key.rotate").
  Result<KeySetChange> rotate(std::string_view tenant, NewSigningKey key, TimePoint now);
  /// Stores a checked third-party key (source third-party), pending or, with `activate`, active.
  Result<KeySetChange> import(std::string_view tenant, NewSigningKey key, bool activate,
                              TimePoint now);
  /// Retires every key that is due at `now` (also done by every operation above).
  Result<KeySetChange> retire_due(std::string_view tenant, TimePoint now);
  /// The tenant and its keys, without locking.
  Result<KeySetView> read(std::string_view tenant);

 private:
  Result<KeySetChange> begin(std::string_view tenant, TimePoint now);
  Result<SigningKeyRow> insert(KeySetChange& change, NewSigningKey key);
  Result<void> activate_locked(KeySetChange& change, std::string_view key_id, TimePoint now,
                               std::string_view action);
  Result<void> audit(const KeySetChange& change, std::string_view action,
                     std::optional<std::string> target, std::optional<std::string> old_value,
                     std::optional<std::string> new_value);
  Result<void> finish(KeySetChange& change, std::string_view kind);

  pqxx::dbtransaction& tx_;
  std::string actor_;
  std::optional<TenantRow> tenant_;  // locked by begin()
};

}  // namespace sigil::db
