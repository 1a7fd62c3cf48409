#include "sigil/keys/key_set.hpp"

#include <algorithm>

#include "sigil/base/time_format.hpp"

namespace sigil::keys {

std::string_view state_name(KeyState state) noexcept {
  switch (state) {
    case KeyState::kPending:
      return "pending";
    case KeyState::kActive:
      return "active";
    case KeyState::kVerifyOnly:
      return "verify-only";
    case KeyState::kRetired:
      return "retired";
  }
  return "pending";
}

Result<KeyState> parse_state(std::string_view name) {
  for (KeyState s :
       {KeyState::kPending, KeyState::kActive, KeyState::kVerifyOnly, KeyState::kRetired}) {
    if (state_name(s) == name) return s;
  }
  return fail(Errc::kInvalidArgument, "unknown key state '" + std::string(name) + "'");
}

bool can_transition(KeyState from, KeyState to) noexcept {
  switch (from) {
    case KeyState::kPending:
      return to == KeyState::kActive || to == KeyState::kRetired;
    case KeyState::kActive:
      return to == KeyState::kVerifyOnly;
    case KeyState::kVerifyOnly:
      return to == KeyState::kRetired;
    case KeyState::kRetired:
      return false;
  }
  return false;
}

Result<void> check_transition(std::string_view key_id, KeyState from, KeyState to) {
  if (can_transition(from, to)) return {};
  return fail(Errc::kConflict, "signing key " + std::string(key_id) + " is " +
                                   std::string(state_name(from)) + " and cannot become " +
                                   std::string(state_name(to)));
}

std::chrono::seconds max_token_lifetime(const RetentionPolicy& policy) noexcept {
  const auto renewed = policy.max_hok_lifetime * (std::max(policy.max_renew_count, 0) + 1);
  return std::max(policy.max_bearer_lifetime, renewed);
}

std::chrono::seconds retention_period(const RetentionPolicy& policy) noexcept {
  return max_token_lifetime(policy) + policy.clock_tolerance;
}

TimePoint verify_until(const RetentionPolicy& policy, TimePoint deactivated_at) noexcept {
  return deactivated_at + retention_period(policy);
}

Result<void> check_invariants(std::span<const KeyRecord> keys) {
  int active = 0;
  for (const KeyRecord& k : keys) {
    if (k.state == KeyState::kActive) ++active;
    if (k.state == KeyState::kVerifyOnly && !k.verify_until) {
      return fail(Errc::kInternal, "verify-only signing key " + k.key_id + " has no verify_until");
    }
  }
  if (active > 1) {
    return fail(Errc::kInternal, "key set has " + std::to_string(active) + " active keys");
  }
  return {};
}

Result<ActivationPlan> plan_activation(std::span<const KeyRecord> keys, std::string_view key_id,
                                       const RetentionPolicy& policy, TimePoint now) {
  SIGIL_TRY_VOID(check_invariants(keys));
  const auto it = std::find_if(keys.begin(), keys.end(),
                               [&](const KeyRecord& k) { return k.key_id == key_id; });
  if (it == keys.end()) {
    return fail(Errc::kKeyNotFound, "no signing key " + std::string(key_id) + " in this tenant");
  }
  SIGIL_TRY_VOID(check_transition(key_id, it->state, KeyState::kActive));
  if (it->not_after <= now) {
    return fail(Errc::kInvalidTimeRange, "signing key " + std::string(key_id) +
                                             ": certificate expired at " +
                                             format_rfc3339(it->not_after));
  }
  if (it->not_before > now + policy.clock_tolerance) {
    return fail(Errc::kInvalidTimeRange, "signing key " + std::string(key_id) +
                                             ": certificate is not valid before " +
                                             format_rfc3339(it->not_before));
  }
  ActivationPlan plan;
  plan.key_id = std::string(key_id);
  plan.at = now;
  for (const KeyRecord& k : keys) {
    if (k.state != KeyState::kActive) continue;
    plan.previous_key = k.key_id;
    // Time never runs backwards in a key set: if the active key was activated "later" than now
    // (clock skew between writers), the hand-over happens at that instant.
    plan.at = std::max(now, k.activated_at.value_or(now));
    // An active key may carry a floor (set when the tenant's lifetimes shrank while it was
    // signing): tokens it signed under the longer policy must keep verifying.
    plan.previous_verify_until =
        std::max(verify_until(policy, plan.at), k.verify_until.value_or(plan.at));
  }
  return plan;
}

std::vector<std::string> due_for_retirement(std::span<const KeyRecord> keys, TimePoint now) {
  std::vector<std::string> due;
  for (const KeyRecord& k : keys) {
    if (k.state == KeyState::kVerifyOnly && k.verify_until && *k.verify_until <= now) {
      due.push_back(k.key_id);
    }
  }
  return due;
}

namespace {

std::optional<TimePoint> risk_window_end(const KeyRecord& key, const RetentionPolicy& policy,
                                         TimePoint now) {
  switch (key.state) {
    case KeyState::kActive:
      return verify_until(policy, now);
    case KeyState::kVerifyOnly:
      return key.verify_until;
    case KeyState::kPending:
    case KeyState::kRetired:
      break;
  }
  return std::nullopt;
}

}  // namespace

RemovalImpact plan_removal(const KeyRecord& key, const RetentionPolicy& policy, TimePoint now,
                           std::span<const IssuedToken> issued) {
  RemovalImpact out;
  out.key_id = key.key_id;
  out.state = key.state;
  out.at_risk_until = risk_window_end(key, policy, now);
  for (const IssuedToken& t : issued) {
    if (t.key_id == key.key_id && t.not_on_or_after + policy.clock_tolerance > now) {
      out.live_tokens.push_back(t);
    }
  }
  const bool window_open = out.at_risk_until && *out.at_risk_until > now;
  out.safe = !window_open && out.live_tokens.empty();
  const std::string logged =
      std::to_string(out.live_tokens.size()) + " live token(s) in the issue log";
  if (key.state == KeyState::kPending) {
    out.summary = "never signed a token; removing it strands nothing";
  } else if (key.state == KeyState::kRetired) {
    out.summary = "already retired; verifies nothing";
  } else if (key.state == KeyState::kActive) {
    out.summary = "active: signs new tokens now; tokens it signs may be presented until " +
                  format_rfc3339(*out.at_risk_until) + "; " + logged;
  } else if (window_open) {
    out.summary = "tokens it signed may be presented until " + format_rfc3339(*out.at_risk_until) +
                  " (verify_until); " + logged + "; retiring on schedule strands none";
  } else {
    out.summary = "verify_until " + format_rfc3339(*out.at_risk_until) +
                  " has passed; due for retirement; " + logged;
  }
  return out;
}

}  // namespace sigil::keys
