#include "sts/wstrust/replay_cache.hpp"

#include <algorithm>

namespace sigil::sts::wstrust {

ReplayCache::ReplayCache(std::size_t max_entries)
    : ReplayCache(max_entries, max_entries / kSignerShare) {}

ReplayCache::ReplayCache(std::size_t max_entries, std::size_t max_per_signer)
    : max_entries_(max_entries),
      max_per_signer_(
          std::clamp<std::size_t>(max_per_signer, 1, std::max<std::size_t>(1, max_entries))) {}

void ReplayCache::drop_expired(TimePoint now) {
  while (!expiry_.empty() && expiry_.top().first <= now) {
    auto it = seen_.find(expiry_.top().second);
    if (it != seen_.end()) {
      SignerCounts::iterator signer = it->second.signer;
      if (--signer->second == 0) per_signer_.erase(signer);
      seen_.erase(it);
    }
    expiry_.pop();
  }
}

ReplayVerdict ReplayCache::remember(const ReplayKey& key, std::string_view signer,
                                    TimePoint forget_after, TimePoint now) {
  std::lock_guard lock(mu_);
  drop_expired(now);
  if (seen_.contains(key)) return ReplayVerdict::kReplayed;
  if (forget_after <= now) return ReplayVerdict::kFresh;  // already unacceptable: nothing to keep
  auto held = per_signer_.find(signer);
  if (held != per_signer_.end() && held->second >= max_per_signer_) {
    return ReplayVerdict::kSignerFull;
  }
  if (seen_.size() >= max_entries_) return ReplayVerdict::kFull;
  if (held == per_signer_.end()) held = per_signer_.emplace(std::string(signer), 0).first;
  ++held->second;
  seen_.emplace(key, Entry{forget_after, held});
  expiry_.emplace(forget_after, key);
  return ReplayVerdict::kFresh;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

std::size_t ReplayCache::entries_of(std::string_view signer) const {
  std::lock_guard lock(mu_);
  auto it = per_signer_.find(signer);
  return it == per_signer_.end() ? 0 : it->second;
}

}  // namespace sigil::sts::wstrust
