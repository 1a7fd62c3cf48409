#include "sts/identity/tenant_policy.hpp"

namespace sigil::sts::identity {

TenantPolicy policy_of(const db::TenantRow& row) {
  TenantPolicy p;
  p.id = row.id;
  p.name = row.name;
  p.clock_tolerance = std::chrono::seconds(row.policy.clock_tolerance_s);
  p.max_bearer_lifetime = std::chrono::seconds(row.policy.max_bearer_lifetime_s);
  p.max_hok_lifetime = std::chrono::seconds(row.policy.max_hok_lifetime_s);
  p.max_renew_count = row.policy.max_renew_count;
  p.max_delegation_count = row.policy.max_delegation_count;
  p.lockout.max_failures = row.lockout.max_failures;
  p.lockout.window = std::chrono::seconds(row.lockout.window_s);
  p.lockout.lock_duration = std::chrono::seconds(row.lockout.duration_s);
  p.keyset_generation = row.keyset_generation;
  return p;
}

}  // namespace sigil::sts::identity
