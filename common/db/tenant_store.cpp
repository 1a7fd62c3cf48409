#include "sigil/db/tenant_store.hpp"

#include <pqxx/result>

#include "json_text.hpp"
#include "sigil/base/ascii.hpp"
#include "sigil/base/dns_name.hpp"
#include "sigil/db/audit_log.hpp"
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

Error bad_hostname(std::string_view given, std::string_view why) {
  return make_error(Errc::kInvalidArgument,
                    "the hostname '" + std::string(given) + "' " + std::string(why));
}

Result<std::int64_t> tenant_id(pqxx::dbtransaction& tx, std::string_view tenant,
                               std::string* name) {
  try {
    const pqxx::result r = tx.exec_params(
        "SELECT id, name FROM tenants WHERE name_key = lower($1)", std::string(tenant));
    if (r.empty()) {
      return fail(Errc::kNotFound, "no such tenant: " + std::string(tenant), std::string(tenant));
    }
    *name = r[0][1].as<std::string>();
    return r[0][0].as<std::int64_t>();
  } catch (...) {
    return unexpected(current_db_error("find tenant"));
  }
}

// The tenant that has `hostname`, or "".
Result<std::string> hostname_owner(pqxx::dbtransaction& tx, const std::string& hostname) {
  try {
    const pqxx::result r = tx.exec_params(
        "SELECT t.name FROM tenant_hostnames h JOIN tenants t ON t.id = h.tenant_id "
        "WHERE h.hostname = $1",
        hostname);
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  } catch (...) {
    return unexpected(current_db_error("find the hostname's tenant"));
  }
}

Result<void> audit_hostname(pqxx::dbtransaction& tx, std::string_view action,
                            const std::string& tenant, const std::string& hostname,
                            std::string_view actor) {
  AuditEntry e;
  e.actor = std::string(actor);
  e.action = std::string(action);
  e.tenant = tenant;
  e.target = "hostname:" + hostname;
  const std::string value = internal::JsonObject().add("hostname", hostname).text();
  if (action == "tenant.hostname.add") {
    e.new_value = value;
  } else {
    e.old_value = value;
  }
  return AuditLogStore(tx).append(e);
}

}  // namespace

bool is_valid_tenant_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253 || !is_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Result<std::string> normalize_tenant_hostname(std::string_view given) {
  std::string h = ascii_lower(given);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (h.empty()) return unexpected(bad_hostname(given, "is empty"));
  if (h.size() > 253) return unexpected(bad_hostname(given, "is longer than 253 characters"));
  if (h.front() == '*') {
    return unexpected(bad_hostname(given, "is a wildcard; a tenant hostname is one DNS name"));
  }
  if (!is_dns_name(h)) {
    return unexpected(bad_hostname(
        given, "is not a DNS name (dot-separated labels of 1-63 letters, digits and '-')"));
  }
  return h;
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

Result<TenantRow> TenantStore::lock(std::string_view name) {
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT id FROM tenants WHERE name_key = lower($1) FOR UPDATE", std::string(name));
    if (r.empty()) return fail(Errc::kNotFound, "no such tenant", std::string(name));
  } catch (...) {
    return unexpected(current_db_error("lock tenant"));
  }
  return find(name);
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

Result<bool> TenantStore::add_hostname(std::string_view tenant, std::string_view hostname,
                                       std::string_view actor) {
  SIGIL_TRY(std::string host, normalize_tenant_hostname(hostname));
  std::string name;
  SIGIL_TRY(std::int64_t id, tenant_id(tx_, tenant, &name));
  bool inserted = false;
  try {
    // ON CONFLICT: a concurrent insert of the same hostname waits here instead of failing.
    const pqxx::result r = tx_.exec_params(
        "INSERT INTO tenant_hostnames (hostname, tenant_id) VALUES ($1, $2) "
        "ON CONFLICT (hostname) DO NOTHING RETURNING hostname",
        host, id);
    inserted = !r.empty();
  } catch (...) {
    return unexpected(current_db_error("store the tenant's hostname"));
  }
  if (!inserted) {
    SIGIL_TRY(std::string owner, hostname_owner(tx_, host));
    if (owner == name) return false;
    return fail(Errc::kConflict, "the hostname " + host + " belongs to tenant " + owner);
  }
  SIGIL_TRY_VOID(audit_hostname(tx_, "tenant.hostname.add", name, host, actor));
  return true;
}

Result<void> TenantStore::remove_hostname(std::string_view tenant, std::string_view hostname,
                                          std::string_view actor) {
  SIGIL_TRY(std::string host, normalize_tenant_hostname(hostname));
  std::string name;
  SIGIL_TRY(std::int64_t id, tenant_id(tx_, tenant, &name));
  bool removed = false;
  try {
    const pqxx::result r = tx_.exec_params(
        "DELETE FROM tenant_hostnames WHERE hostname = $1 AND tenant_id = $2 RETURNING hostname",
        host, id);
    removed = !r.empty();
  } catch (...) {
    return unexpected(current_db_error("remove the tenant's hostname"));
  }
  if (!removed) {
    SIGIL_TRY(std::string owner, hostname_owner(tx_, host));
    std::string message = "tenant " + name + " has no hostname " + host;
    if (!owner.empty()) message += " (it belongs to tenant " + owner + ")";
    return fail(Errc::kNotFound, std::move(message));
  }
  return audit_hostname(tx_, "tenant.hostname.remove", name, host, actor);
}

Result<std::vector<std::string>> TenantStore::hostnames(std::string_view tenant) {
  std::string name;
  SIGIL_TRY(std::int64_t id, tenant_id(tx_, tenant, &name));
  try {
    std::vector<std::string> out;
    for (const auto& row : tx_.exec_params(
             "SELECT hostname FROM tenant_hostnames WHERE tenant_id = $1 ORDER BY hostname", id)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list the tenant's hostnames"));
  }
}

Result<std::vector<TenantHostnameRow>> TenantStore::all_hostnames() {
  try {
    std::vector<TenantHostnameRow> out;
    for (const auto& row :
         tx_.exec("SELECT h.hostname, t.name, " + internal::select_us("h.created_at") +
                  " FROM tenant_hostnames h JOIN tenants t ON t.id = h.tenant_id "
                  "ORDER BY h.hostname")) {
      TenantHostnameRow h;
      h.hostname = row[0].as<std::string>();
      h.tenant = row[1].as<std::string>();
      h.created_at = internal::time_of(row[2]);
      out.push_back(std::move(h));
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list tenant hostnames"));
  }
}

Result<HostnameMap> TenantStore::hostname_map() {
  SIGIL_TRY(std::vector<TenantHostnameRow> rows, all_hostnames());
  HostnameMap map;
  for (auto& row : rows) map.emplace(std::move(row.hostname), std::move(row.tenant));
  return map;
}

}  // namespace sigil::db
