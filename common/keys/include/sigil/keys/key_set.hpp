#pragma once
// The signing key set of one tenant as a pure domain model: key states and their transitions,
// the retention rule that says how long a key keeps verifying after it stopped signing, and the
// planning functions that the store (common/db) and the operator verbs (sigilctl) act on.
//
// States: pending -> active -> verify-only -> retired (a pending key may also be retired
// directly). Exactly one key of a tenant is active once the tenant has one. A key that stops
// being active at time D keeps verifying until
//
//   verify_until = D + max token lifetime (renewals included) + clock tolerance
//   max token lifetime = max(max bearer lifetime, max HoK lifetime * (max renew count + 1))
//
// because a token signed at D - epsilon may be renewed (re-signed by the new key, but only
// after being presented and verified under the old one) up to the renew count, and relying
// parties accept it up to the clock tolerance after its NotOnOrAfter. After verify_until the key
// is due for retirement: nothing it signed can still be valid.
//
// Nothing here does I/O; times come from the caller (a Clock), so every rule is unit-tested
// with fixed instants.
//
// Thread-safety: pure functions over values.

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::keys {

enum class KeyState { kPending, kActive, kVerifyOnly, kRetired };

/// "pending", "active", "verify-only", "retired" (the schema's spelling).
std::string_view state_name(KeyState state) noexcept;
/// The inverse of state_name(); anything else is kInvalidArgument.
Result<KeyState> parse_state(std::string_view name);

/// True for pending->active, pending->retired, active->verify-only, verify-only->retired.
bool can_transition(KeyState from, KeyState to) noexcept;
/// kConflict naming both states unless can_transition(from, to).
Result<void> check_transition(std::string_view key_id, KeyState from, KeyState to);

/// The parts of a tenant's token policy that decide how long a key must keep verifying.
struct RetentionPolicy {
  std::chrono::seconds clock_tolerance{0};
  std::chrono::seconds max_bearer_lifetime{0};
  std::chrono::seconds max_hok_lifetime{0};
  int max_renew_count = 0;
};

/// max(max bearer lifetime, max HoK lifetime * (max renew count + 1)): the longest a token
/// signed by one key can stay valid, renewals included.
std::chrono::seconds max_token_lifetime(const RetentionPolicy& policy) noexcept;
/// max_token_lifetime + clock tolerance: how long a key verifies after it stopped signing.
std::chrono::seconds retention_period(const RetentionPolicy& policy) noexcept;
/// deactivated_at + retention_period(policy).
TimePoint verify_until(const RetentionPolicy& policy, TimePoint deactivated_at) noexcept;

/// One key of a set, as far as the rules care.
struct KeyRecord {
  std::string key_id;
  KeyState state = KeyState::kPending;
  TimePoint not_before;  ///< certificate validity
  TimePoint not_after;
  std::optional<TimePoint> activated_at;
  std::optional<TimePoint> deactivated_at;
  /// verify-only: the last instant it verifies. active: an optional floor for the verify_until
  /// its deactivation sets (kept when the tenant's token lifetimes shrank while it signed).
  std::optional<TimePoint> verify_until;
};

/// kInternal unless at most one key is active and every verify-only key has a verify_until.
Result<void> check_invariants(std::span<const KeyRecord> keys);

/// What activating a pending key at `at` changes.
struct ActivationPlan {
  std::string key_id;                       ///< pending -> active
  std::optional<std::string> previous_key;  ///< active -> verify-only, if there was one
  /// When: `now`, or the previous key's activation time if that is later (clock skew).
  TimePoint at;
  std::optional<TimePoint> previous_verify_until;  ///< set with previous_key
};

/// Plans making `key_id` the active key at `now`. kKeyNotFound if the set has no such key;
/// kConflict if it is not pending; kInvalidTimeRange if its certificate is expired at `now` or
/// not valid yet (beyond the clock tolerance), since tokens it signed would be refused.
Result<ActivationPlan> plan_activation(std::span<const KeyRecord> keys, std::string_view key_id,
                                       const RetentionPolicy& policy, TimePoint now);

/// Verify-only keys whose verify_until is at or before `now`, in the order given.
std::vector<std::string> due_for_retirement(std::span<const KeyRecord> keys, TimePoint now);

/// A token the issue log (issued_tokens) knows about.
struct IssuedToken {
  std::string token_id;
  std::string key_id;
  TimePoint not_on_or_after;
};

/// What would stop verifying if one key were removed from the set at `now`.
struct RemovalImpact {
  std::string key_id;
  KeyState state = KeyState::kPending;
  /// Until when tokens signed by the key may still be presented (NotOnOrAfter + tolerance),
  /// by the retention rule; nullopt when the key never signed (pending) or is retired.
  std::optional<TimePoint> at_risk_until;
  /// True when removing it now strands nothing by the retention rule and the issue log.
  bool safe = true;
  /// Live tokens from the issue log signed by this key (NotOnOrAfter + tolerance > now).
  std::vector<IssuedToken> live_tokens;
  /// One line: why it is safe, or what would break.
  std::string summary;
};

/// The impact of removing `key` at `now`. For the active key the window is the longest token
/// it could sign right now; for a verify-only key it is its verify_until.
RemovalImpact plan_removal(const KeyRecord& key, const RetentionPolicy& policy, TimePoint now,
                           std::span<const IssuedToken> issued);

}  // namespace sigil::keys
