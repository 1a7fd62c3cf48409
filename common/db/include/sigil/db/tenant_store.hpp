#pragma once
// Tenants: rows of the `tenants` table, read and written inside a caller's transaction.
//
//   auto tenant = db::transact(pool, "create tenant", [&](pqxx::dbtransaction& tx) {
//     return db::TenantStore(tx).create("vsphere.local");
//   });
//
// Tenant names are unique case-insensitively; lookups ignore case too. Every method returns
// errors as values (errors.hpp); after an error the transaction is aborted and must be
// abandoned, which transact() does.
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::db {

/// A tenant's token policy, as stored (vCenter-like defaults come from the schema).
struct TokenPolicyRow {
  std::int32_t clock_tolerance_s = 0;
  std::int32_t max_bearer_lifetime_s = 0;
  std::int32_t max_hok_lifetime_s = 0;
  std::int32_t max_renew_count = 0;
  std::int32_t max_delegation_count = 0;
};

/// Password lockout: `max_failures` failed logins within `window_s` lock for `duration_s`.
struct LockoutPolicyRow {
  std::int32_t max_failures = 0;
  std::int32_t window_s = 0;
  std::int32_t duration_s = 0;
};

struct TenantRow {
  std::int64_t id = 0;
  std::string name;
  TimePoint created_at;
  TokenPolicyRow policy;
  LockoutPolicyRow lockout;
  /// Bumped by the database on every signing-key change of this tenant.
  std::int64_t keyset_generation = 0;
};

/// True for names the schema accepts: 1..253 of [A-Za-z0-9._-], starting alphanumeric.
bool is_valid_tenant_name(std::string_view name) noexcept;

class TenantStore {
 public:
  explicit TenantStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// kInvalidArgument for a bad name; kConflict if a tenant of that name (any case) exists.
  Result<TenantRow> create(std::string_view name);
  /// kNotFound if there is no such tenant.
  Result<TenantRow> find(std::string_view name);
  /// All tenants by name.
  Result<std::vector<TenantRow>> list();

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
