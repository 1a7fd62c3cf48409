#pragma once
// Merging two copies of one tenant's key set: the conflict rule of linked peers (docs/peers.md).
//
// Each deployment sends its peers the tenant's whole key set after every change (state-based
// replication: a record can be applied twice or late and the result is the same). The receiver
// merges what it has (`local`) with what arrived (`remote`):
//
//   1. union of the keys by key_id (the same key_id with a different certificate is kConflict);
//   2. a key present on both sides takes the LATER state (pending < active < verify-only <
//      retired) with that side's timestamps; in the same state, activated_at and
//      deactivated_at take the earlier, verify_until the later, retired_at the earlier value
//      (symmetric, so both sides compute the same);
//   3. at most one active key: if several are active, the one activated last wins (equal
//      activated_at: the larger key_id); every other becomes verify-only with
//      deactivated_at = the winner's activated_at and
//      verify_until = max(its verify_until floor, deactivated_at + retention_period(policy)),
//      the retention rule of key_set.hpp with the receiver's tenant policy.
//
// The merge is commutative and idempotent (merging the result with either input changes nothing
// but verify_until, which only grows), so two deployments that keep sending each other their
// merged sets until nothing changes end with the same key set.
//
// Thread-safety: pure functions over values.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/keys/key_set.hpp"

namespace sigil::keys {

/// One key of a set as it travels between deployments: everything a signing_keys row holds
/// except ids. The private key is opaque here (an envelope under the holder's master key).
struct ReplicatedKey {
  std::string key_id;
  KeyState state = KeyState::kPending;
  std::string source;     ///< "builtin-ca" or "third-party"
  std::string algorithm;  ///< "rsa-sha256", "ecdsa-sha256"
  std::string certificate_chain_pem;
  std::string certificate_sha256;
  std::string private_key_ciphertext;
  std::string master_key_id;
  TimePoint not_before;
  TimePoint not_after;
  std::optional<TimePoint> activated_at;
  std::optional<TimePoint> deactivated_at;
  std::optional<TimePoint> verify_until;
  std::optional<TimePoint> retired_at;

  /// Same state and the same four lifecycle timestamps (what a merge can change).
  bool same_lifecycle(const ReplicatedKey& other) const noexcept;
};

/// True when both sets hold the same key ids with the same lifecycle (order ignored).
bool same_key_set(std::span<const ReplicatedKey> a, std::span<const ReplicatedKey> b);

struct MergeResult {
  std::vector<ReplicatedKey> keys;  ///< sorted by key_id
  /// Key material for keys only `remote` had comes from `remote`; for the others from `local`.
  bool differs_from_local = false;
  bool differs_from_remote = false;
  /// Keys made verify-only by rule 3 (more than one active key).
  std::vector<std::string> demoted;
};

/// Merges `remote` into `local` by the rules above. kConflict when one key_id names two
/// different certificates.
Result<MergeResult> merge_key_sets(std::span<const ReplicatedKey> local,
                                   std::span<const ReplicatedKey> remote,
                                   const RetentionPolicy& policy);

}  // namespace sigil::keys
