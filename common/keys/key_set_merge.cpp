#include "sigil/keys/key_set_merge.hpp"

#include <algorithm>
#include <map>

namespace sigil::keys {
namespace {

int rank(KeyState s) noexcept {
  switch (s) {
    case KeyState::kPending:
      return 0;
    case KeyState::kActive:
      return 1;
    case KeyState::kVerifyOnly:
      return 2;
    case KeyState::kRetired:
      return 3;
  }
  return 0;
}

std::optional<TimePoint> earlier(const std::optional<TimePoint>& a,
                                 const std::optional<TimePoint>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

std::optional<TimePoint> later(const std::optional<TimePoint>& a,
                               const std::optional<TimePoint>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// Rule 2 for one key present on both sides; material comes from `local`.
ReplicatedKey merge_one(const ReplicatedKey& local, const ReplicatedKey& remote) {
  ReplicatedKey out = local;
  if (rank(remote.state) != rank(local.state)) {
    const ReplicatedKey& newer = rank(remote.state) > rank(local.state) ? remote : local;
    out.state = newer.state;
    out.activated_at = newer.activated_at;
    out.deactivated_at = newer.deactivated_at;
    out.verify_until = newer.verify_until;
    out.retired_at = newer.retired_at;
    return out;
  }
  out.activated_at = earlier(local.activated_at, remote.activated_at);
  out.deactivated_at = earlier(local.deactivated_at, remote.deactivated_at);
  out.verify_until = later(local.verify_until, remote.verify_until);
  out.retired_at = earlier(local.retired_at, remote.retired_at);
  return out;
}

// Rule 3: the active key activated last wins (tie: larger key_id).
bool wins_over(const ReplicatedKey& a, const ReplicatedKey& b) {
  const TimePoint ta = a.activated_at.value_or(TimePoint{});
  const TimePoint tb = b.activated_at.value_or(TimePoint{});
  if (ta != tb) return ta > tb;
  return a.key_id > b.key_id;
}

void demote_extra_active(std::vector<ReplicatedKey>& keys, const RetentionPolicy& policy,
                         std::vector<std::string>& demoted) {
  const ReplicatedKey* winner = nullptr;
  for (const ReplicatedKey& k : keys) {
    if (k.state == KeyState::kActive && (winner == nullptr || wins_over(k, *winner))) winner = &k;
  }
  if (winner == nullptr) return;
  const std::string winner_id = winner->key_id;
  const TimePoint at = winner->activated_at.value_or(TimePoint{});
  for (ReplicatedKey& k : keys) {
    if (k.state != KeyState::kActive || k.key_id == winner_id) continue;
    k.state = KeyState::kVerifyOnly;
    k.deactivated_at = std::max(at, k.activated_at.value_or(at));
    k.verify_until = later(k.verify_until, verify_until(policy, *k.deactivated_at));
    demoted.push_back(k.key_id);
  }
}

}  // namespace

bool ReplicatedKey::same_lifecycle(const ReplicatedKey& other) const noexcept {
  return key_id == other.key_id && state == other.state && activated_at == other.activated_at &&
         deactivated_at == other.deactivated_at && verify_until == other.verify_until &&
         retired_at == other.retired_at;
}

bool same_key_set(std::span<const ReplicatedKey> a, std::span<const ReplicatedKey> b) {
  if (a.size() != b.size()) return false;
  std::map<std::string, const ReplicatedKey*> by_id;
  for (const ReplicatedKey& k : a) by_id[k.key_id] = &k;
  if (by_id.size() != a.size()) return false;
  for (const ReplicatedKey& k : b) {
    auto it = by_id.find(k.key_id);
    if (it == by_id.end() || !it->second->same_lifecycle(k)) return false;
    by_id.erase(it);
  }
  return by_id.empty();
}

Result<MergeResult> merge_key_sets(std::span<const ReplicatedKey> local,
                                   std::span<const ReplicatedKey> remote,
                                   const RetentionPolicy& policy) {
  std::map<std::string, ReplicatedKey> merged;
  for (const ReplicatedKey& k : local) merged.emplace(k.key_id, k);
  for (const ReplicatedKey& r : remote) {
    auto it = merged.find(r.key_id);
    if (it == merged.end()) {
      merged.emplace(r.key_id, r);
      continue;
    }
    if (it->second.certificate_sha256 != r.certificate_sha256) {
      return fail(
          Errc::kConflict, "signing key " + r.key_id + " has a different certificate on each side",
          "local sha256 " + it->second.certificate_sha256 + ", remote " + r.certificate_sha256);
    }
    it->second = merge_one(it->second, r);
  }
  MergeResult out;
  for (auto& [id, k] : merged) out.keys.push_back(std::move(k));
  demote_extra_active(out.keys, policy, out.demoted);
  out.differs_from_local = !same_key_set(out.keys, local);
  out.differs_from_remote = !same_key_set(out.keys, remote);
  return out;
}

}  // namespace sigil::keys
