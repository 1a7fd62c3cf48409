#pragma once
// A tenant's token and lockout policy, as the STS uses it (durations, not column integers).
// Defaults come from the schema and match vCenter SSO: clock tolerance 600 s, bearer tokens up
// to 300 s, holder-of-key tokens up to 30 days, 10 renewals, 10 delegations, and a lockout of
// 900 s after 5 failed logins within 180 s.
//
// Thread-safety: plain value types and pure functions.

#include <chrono>
#include <cstdint>
#include <string>

#include "sigil/db/tenant_store.hpp"
#include "sigil/db/user_store.hpp"

namespace sigil::sts::identity {

struct TenantPolicy {
  std::int64_t id = 0;
  std::string name;  ///< as stored, e.g. "vsphere.local"
  std::chrono::seconds clock_tolerance{0};
  std::chrono::seconds max_bearer_lifetime{0};
  std::chrono::seconds max_hok_lifetime{0};
  int max_renew_count = 0;
  int max_delegation_count = 0;
  db::LockoutRule lockout;
  /// Changes whenever the tenant's signing keys change (compare with a cached key set).
  std::int64_t keyset_generation = 0;
};

TenantPolicy policy_of(const db::TenantRow& row);

}  // namespace sigil::sts::identity
