#pragma once
// Linked peer deployments (docs/peers.md): rows of `peers`, the `change_log` records pushed to
// them, and applying a key set that arrived from a peer. Everything runs inside a caller's
// transaction.
//
// change_log: every change of a tenant's key set (KeySetStore) appends, in its own
// transaction, one record whose payload is the tenant's WHOLE key set afterwards
// (state-based: applying a record twice, or an older one after a newer one, is harmless once
// merged with keys::merge_key_sets). Private keys stay sealed under this deployment's master key
// in the payload; certmgr opens them only to send them over the peer's mutually authenticated
// TLS connection. `origin` is the peer URL a record came from (NULL: made here), so that a
// change is never echoed back to where it came from.
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/keys/key_set_merge.hpp"

namespace sigil::db {

struct PeerRow {
  std::int64_t id = 0;
  std::string url;
  std::string ca_pem;
  std::int64_t last_acked_seq = 0;    ///< our records up to here reached the peer
  std::int64_t last_applied_seq = 0;  ///< the peer's records up to here are applied here
  std::optional<std::string> last_error;
  std::optional<TimePoint> last_contact_at;  ///< any successful exchange, either direction
  std::optional<TimePoint> last_acked_at;    ///< the peer last acknowledged one of our records
  TimePoint created_at;
  std::int64_t lag = 0;  ///< our records not yet acknowledged by the peer (list() only)
};

struct ChangeRow {
  std::int64_t seq = 0;
  std::string tenant;
  std::string kind;
  std::string payload;  ///< jsonb as text
  std::optional<std::string> origin;
  TimePoint created_at;
};

/// The tenant's keys (every state) in replication form, sorted by key_id.
Result<std::vector<keys::ReplicatedKey>> replicated_keys(pqxx::dbtransaction& tx,
                                                         std::int64_t tenant_id);
/// {"tenant": <tenant>, "keys": [...]}: the change_log payload (times as *_us integers,
/// microseconds since the Unix epoch; private keys as stored).
std::string keyset_payload(std::string_view tenant, std::span<const keys::ReplicatedKey> keys);
/// Appends a change_log record for the tenant's current key set; its seq.
Result<std::int64_t> append_keyset_change(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                                          std::string_view tenant, std::string_view kind,
                                          const std::optional<std::string>& origin);

/// Writes `merged` (from keys::merge_key_sets over `local`) into the tenant's signing_keys:
/// inserts keys `local` lacks, updates the lifecycle of keys that changed. Demotions run before
/// the new active key is written, so the one-active index holds throughout. The caller locked
/// the tenant row.
Result<void> write_merged_keys(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                               std::span<const keys::ReplicatedKey> local,
                               std::span<const keys::ReplicatedKey> merged);

class PeerStore {
 public:
  explicit PeerStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// Registers a peer. It starts acknowledged up to the current last seq, and one
  /// "keyset.snapshot" record per tenant is appended, so the new peer (and every other) gets
  /// each tenant's whole key set once. kConflict if the URL is registered.
  Result<PeerRow> add(std::string_view url, std::string_view ca_pem);
  /// kNotFound if no such peer. Its records stay in change_log (other peers may need them).
  Result<PeerRow> remove(std::string_view url);
  /// Every peer, by URL, with its lag.
  Result<std::vector<PeerRow>> list();
  /// Our records the peer has not acknowledged (seq > last_acked_seq, origin not the peer), in
  /// seq order, at most `limit`.
  Result<std::vector<ChangeRow>> pending(const PeerRow& peer, std::int64_t limit);
  /// The peer acknowledged everything up to `seq`.
  Result<void> acknowledged(std::int64_t peer_id, std::int64_t seq, TimePoint at);
  /// A push failed: keep `message` for `peer list`.
  Result<void> failed(std::int64_t peer_id, std::string_view message);
  /// Locks the peer row and returns its last_applied_seq (receiver side).
  Result<std::int64_t> lock_applied(std::int64_t peer_id);
  /// The peer's records up to `seq` are applied here.
  Result<void> applied(std::int64_t peer_id, std::int64_t seq, TimePoint at);
  /// The highest seq in change_log (0 when empty).
  Result<std::int64_t> max_seq();

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
