#pragma once
// The signing key sets sts holds in memory, one per tenant, reloaded when the tenant's
// keyset_generation (read with the tenant's policy on every request) differs from the cached
// one. Readers get a shared_ptr<const TenantKeys> snapshot: a reload never changes a set a
// request is using (copy-on-write). LISTEN/NOTIFY propagation replaces the per-request check
// in the key-set work; the snapshot contract stays.
//
// Thread-safety: thread-safe. get() may load from PostgreSQL: call it on the blocking pool.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sts/keys/tenant_keys.hpp"

namespace sigil::sts::handlers {

class KeyCache {
 public:
  explicit KeyCache(keys::SigningKeyLoader& loader) : loader_(loader) {}

  // The tenant's key set at `generation` or newer.
  Result<std::shared_ptr<const keys::TenantKeys>> get(const std::string& tenant,
                                                      std::int64_t generation);

 private:
  keys::SigningKeyLoader& loader_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const keys::TenantKeys>, std::less<>> sets_;
};

}  // namespace sigil::sts::handlers
