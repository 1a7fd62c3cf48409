#include "sigil/db/tenant_store.hpp"

#include <pqxx/result>

#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {
namespace {

std::string columns() {
  return "id, name, " + internal::select_us("created_at") +
         ", clock_tolerance_s, max_bearer_lifetime_s, max_hok_lifetime_s, max_renew_count, "
         "max_delegation_count, keyset_generation, lockout_max_failures, lockout_window_s, "
         "lockout_duration_s";
}

TenantRow tenant_of(const pqxx::row& r) {
  TenantRow t;
  t.id = r[0].as<std::int64_t>();
  t.name = r[1].as<std::string>();
  t.created_at = internal::time_of(r[2]);
  t.policy.clock_tolerance_s = r[3].as<std::int32_t>();
  t.policy.max_bearer_lifetime_s = r[4].as<std::int32_t>();
  t.policy.max_hok_lifetime_s = r[5].as<std::int32_t>();
  t.policy.max_renew_count = r[6].as<std::int32_t>();
  t.policy.max_delegation_count = r[7].as<std::int32_t>();
  t.keyset_generation = r[8].as<std::int64_t>();
  t.lockout.max_failures = r[9].as<std::int32_t>();
  t.lockout.window_s = r[10].as<std::int32_t>();
  t.lockout.duration_s = r[11].as<std::int32_t>();
  return t;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_tenant_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253 || !is_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Result<TenantRow> TenantStore::create(std::string_view name) {
  if (!is_valid_tenant_name(name)) {
    return fail(Errc::kInvalidArgument,
                "tenant name must be 1-253 letters, digits, '.', '_' or '-', starting with a "
                "letter or digit");
  }
  try {
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO tenants (name) VALUES ($1) RETURNING " + columns(), std::string(name));
    return tenant_of(r);
  } catch (...) {
    Error e = current_db_error("create tenant");
    if (e.code == Errc::kConflict) e.message = "tenant " + std::string(name) + " already exists";
    return unexpected(std::move(e));
  }
}

Result<TenantRow> TenantStore::find(std::string_view name) {
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT " + columns() + " FROM tenants WHERE name_key = lower($1)", std::string(name));
    if (r.empty()) return fail(Errc::kNotFound, "no such tenant", std::string(name));
    return tenant_of(r[0]);
  } catch (...) {
    return unexpected(current_db_error("find tenant"));
  }
}

Result<std::vector<TenantRow>> TenantStore::list() {
  try {
    std::vector<TenantRow> tenants;
    for (const auto& row : tx_.exec("SELECT " + columns() + " FROM tenants ORDER BY name_key")) {
      tenants.push_back(tenant_of(row));
    }
    return tenants;
  } catch (...) {
    return unexpected(current_db_error("list tenants"));
  }
}

}  // namespace sigil::db
