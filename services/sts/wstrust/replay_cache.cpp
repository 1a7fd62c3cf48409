#include "sts/wstrust/replay_cache.hpp"

namespace sigil::sts::wstrust {

void ReplayCache::drop_expired(TimePoint now) {
  while (!expiry_.empty() && expiry_.top().first <= now) {
    seen_.erase(expiry_.top().second);
    expiry_.pop();
  }
}

ReplayVerdict ReplayCache::remember(const ReplayKey& key, TimePoint forget_after, TimePoint now) {
  std::lock_guard lock(mu_);
  drop_expired(now);
  if (seen_.contains(key)) return ReplayVerdict::kReplayed;
  if (forget_after <= now) return ReplayVerdict::kFresh;  // already unacceptable: nothing to keep
  if (seen_.size() >= max_entries_) return ReplayVerdict::kFull;
  seen_.emplace(key, forget_after);
  expiry_.emplace(forget_after, key);
  return ReplayVerdict::kFresh;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

}  // namespace sigil::sts::wstrust
