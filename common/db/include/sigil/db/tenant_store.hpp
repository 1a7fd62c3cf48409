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
// Tenant hostnames (table tenant_hostnames): the DNS names a tenant is reached at. sts routes a
// request to the tenant whose hostname is the TLS SNI name or the Host header (docs/tls.md,
// "Routing requests to tenants"). A hostname belongs to at most one tenant. Hostnames are
// stored normalised (normalize_tenant_hostname); every change is audit-logged in the same
// transaction and announced on NOTIFY sigil_tenant_hostnames (proto/sql/003).
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <map>
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

/// A tenant hostname as stored and looked up: lower-cased (ASCII), one trailing dot dropped,
/// dot-separated labels of 1..63 letters, digits and '-' (not first or last), 253 at most.
/// kInvalidArgument (naming the input) otherwise; a wildcard (`*.example.com`) is refused:
/// a tenant's hostname is one name.
Result<std::string> normalize_tenant_hostname(std::string_view given);

/// One row of tenant_hostnames, with its tenant's name.
struct TenantHostnameRow {
  std::string hostname;
  std::string tenant;
  TimePoint created_at;
};

/// hostname -> tenant name, for every tenant hostname.
using HostnameMap = std::map<std::string, std::string, std::less<>>;

class TenantStore {
 public:
  explicit TenantStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// kInvalidArgument for a bad name; kConflict if a tenant of that name (any case) exists.
  Result<TenantRow> create(std::string_view name);
  /// kNotFound if there is no such tenant.
  Result<TenantRow> find(std::string_view name);
  /// find() with the tenant row locked (FOR UPDATE) until the transaction ends: serialises
  /// every key-set change, policy change and peer merge of the tenant.
  Result<TenantRow> lock(std::string_view name);
  /// All tenants by name.
  Result<std::vector<TenantRow>> list();

  /// Gives `tenant` the hostname `hostname` (normalised first), audited as tenant.hostname.add
  /// by `actor`. True when added; false when the tenant already had it (idempotent: nothing
  /// written). kInvalidArgument for a bad hostname, kNotFound for an unknown tenant, kConflict
  /// when another tenant has it ("the hostname H belongs to tenant T").
  Result<bool> add_hostname(std::string_view tenant, std::string_view hostname,
                            std::string_view actor);
  /// Takes the hostname from `tenant`, audited as tenant.hostname.remove by `actor`.
  /// kInvalidArgument for a bad hostname, kNotFound when the tenant is unknown or does not have
  /// that hostname (the message names its owner if another tenant has it).
  Result<void> remove_hostname(std::string_view tenant, std::string_view hostname,
                               std::string_view actor);
  /// The tenant's hostnames, sorted. kNotFound for an unknown tenant.
  Result<std::vector<std::string>> hostnames(std::string_view tenant);
  /// Every tenant hostname, sorted by hostname.
  Result<std::vector<TenantHostnameRow>> all_hostnames();
  /// hostname -> tenant name (sts's routing map).
  Result<HostnameMap> hostname_map();

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
