#pragma once
// Changing a tenant's token and lockout policy: validated, in one transaction with the tenant
// row locked (as key-set changes lock it), and audit-logged with the old and new values.
//
// Shrinking the token lifetimes must not strand tokens the active key already signed under the
// longer policy: when the retention period (keys::retention_period) shrinks, the active key gets
// a verify_until floor of now + the old period, which its later deactivation keeps.
//
// Thread-safety: pure validation; set_tenant_policy runs in the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/tenant_store.hpp"

namespace sigil::db {

/// Fields left empty keep their value.
struct TenantPolicyUpdate {
  std::optional<std::int64_t> clock_tolerance_s;
  std::optional<std::int64_t> max_bearer_lifetime_s;
  std::optional<std::int64_t> max_hok_lifetime_s;
  std::optional<std::int64_t> max_renew_count;
  std::optional<std::int64_t> max_delegation_count;
  std::optional<std::int64_t> lockout_max_failures;
  std::optional<std::int64_t> lockout_window_s;
  std::optional<std::int64_t> lockout_duration_s;

  bool empty() const noexcept;
};

/// One policy field: its column (also the CLI flag with '_' -> '-') and allowed range.
struct PolicyField {
  std::string_view column;
  std::int64_t min;
  std::int64_t max;
  std::optional<std::int64_t> TenantPolicyUpdate::*member;
};

/// Every field, in table order.
const std::vector<PolicyField>& policy_fields();

/// The tenant's current value of every field, in table order (column name, value).
std::vector<std::pair<std::string_view, std::int64_t>> policy_values(const TenantRow& t);

/// kInvalidArgument naming the first field out of range ("max_renew_count must be 0..1000").
Result<void> validate(const TenantPolicyUpdate& update);

/// Applies `update` to the tenant, audited as "tenant.set-policy" by `actor`. kNotFound for an
/// unknown tenant, kInvalidArgument for an empty or out-of-range update. The updated row.
Result<TenantRow> set_tenant_policy(pqxx::dbtransaction& tx, std::string_view tenant,
                                    const TenantPolicyUpdate& update, std::string_view actor,
                                    TimePoint now);

}  // namespace sigil::db
