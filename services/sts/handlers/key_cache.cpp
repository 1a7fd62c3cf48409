#include "sts/handlers/key_cache.hpp"

namespace sigil::sts::handlers {

Result<std::shared_ptr<const keys::TenantKeys>> KeyCache::get(const std::string& tenant,
                                                              std::int64_t generation) {
  {
    std::lock_guard lock(mu_);
    auto it = sets_.find(tenant);
    if (it != sets_.end() && it->second->generation >= generation) return it->second;
  }
  // Loading happens outside the lock; two concurrent loads of one tenant are harmless.
  SIGIL_TRY(std::shared_ptr<const keys::TenantKeys> loaded, loader_.load(tenant));
  std::lock_guard lock(mu_);
  auto& slot = sets_[tenant];
  if (!slot || slot->generation < loaded->generation) slot = loaded;
  return slot;
}

}  // namespace sigil::sts::handlers
