#include "sigil/db/tenant_policy.hpp"

#include <pqxx/result>

#include "json_text.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/errors.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/signing_key_store.hpp"

namespace sigil::db {
namespace {

constexpr std::int64_t kYear = 365LL * 24 * 3600;

internal::JsonObject policy_json(const TenantRow& t) {
  internal::JsonObject o;
  for (const auto& [column, value] : policy_values(t)) o.add(column, value);
  return o;
}

Result<void> update_row(pqxx::dbtransaction& tx, std::int64_t id, const TenantPolicyUpdate& u) {
  std::string sql = "UPDATE tenants SET ";
  bool first = true;
  for (const PolicyField& f : policy_fields()) {
    const auto& v = u.*(f.member);
    if (!v) continue;
    sql += std::string(first ? "" : ", ") + std::string(f.column) + " = " + std::to_string(*v);
    first = false;
  }
  try {
    tx.exec_params(sql + " WHERE id = $1", id);  // values are range-checked integers
    return {};
  } catch (...) {
    return unexpected(current_db_error("update tenant policy"));
  }
}

// A shrinking retention period keeps the active key verifying as long as the old one said.
Result<void> keep_old_retention(pqxx::dbtransaction& tx, const TenantRow& before,
                                const TenantRow& after, TimePoint now) {
  const auto old_period = keys::retention_period(retention_policy_of(before));
  if (keys::retention_period(retention_policy_of(after)) >= old_period) return {};
  SigningKeyStore store(tx);
  SIGIL_TRY(std::vector<SigningKeyRow> rows, store.list_verifying(before.id));
  for (const SigningKeyRow& k : rows) {
    if (k.state != SigningKeyState::kActive) continue;
    SIGIL_TRY_VOID(store.raise_verify_floor(before.id, k.key_id, now + old_period));
  }
  return {};
}

}  // namespace

bool TenantPolicyUpdate::empty() const noexcept {
  for (const PolicyField& f : policy_fields()) {
    if (this->*(f.member)) return false;
  }
  return true;
}

std::vector<std::pair<std::string_view, std::int64_t>> policy_values(const TenantRow& t) {
  return {{"clock_tolerance_s", t.policy.clock_tolerance_s},
          {"max_bearer_lifetime_s", t.policy.max_bearer_lifetime_s},
          {"max_hok_lifetime_s", t.policy.max_hok_lifetime_s},
          {"max_renew_count", t.policy.max_renew_count},
          {"max_delegation_count", t.policy.max_delegation_count},
          {"lockout_max_failures", t.lockout.max_failures},
          {"lockout_window_s", t.lockout.window_s},
          {"lockout_duration_s", t.lockout.duration_s}};
}

const std::vector<PolicyField>& policy_fields() {
  static const std::vector<PolicyField> fields{
      {"clock_tolerance_s", 0, 3600, &TenantPolicyUpdate::clock_tolerance_s},
      {"max_bearer_lifetime_s", 1, kYear, &TenantPolicyUpdate::max_bearer_lifetime_s},
      {"max_hok_lifetime_s", 1, kYear, &TenantPolicyUpdate::max_hok_lifetime_s},
      {"max_renew_count", 0, 1000, &TenantPolicyUpdate::max_renew_count},
      {"max_delegation_count", 0, 100, &TenantPolicyUpdate::max_delegation_count},
      {"lockout_max_failures", 1, 1000, &TenantPolicyUpdate::lockout_max_failures},
      {"lockout_window_s", 1, 86400, &TenantPolicyUpdate::lockout_window_s},
      {"lockout_duration_s", 0, kYear, &TenantPolicyUpdate::lockout_duration_s},
  };
  return fields;
}

Result<void> validate(const TenantPolicyUpdate& update) {
  if (update.empty()) return fail(Errc::kInvalidArgument, "no policy field to change");
  for (const PolicyField& f : policy_fields()) {
    const auto& v = update.*(f.member);
    if (v && (*v < f.min || *v > f.max)) {
      return fail(Errc::kInvalidArgument, std::string(f.column) + " must be " +
                                              std::to_string(f.min) + ".." + std::to_string(f.max) +
                                              ", not " + std::to_string(*v));
    }
  }
  return {};
}

Result<TenantRow> set_tenant_policy(pqxx::dbtransaction& tx, std::string_view tenant,
                                    const TenantPolicyUpdate& update, std::string_view actor,
                                    TimePoint now) {
  SIGIL_TRY_VOID(validate(update));
  SIGIL_TRY(TenantRow before, TenantStore(tx).lock(tenant));
  SIGIL_TRY_VOID(update_row(tx, before.id, update));
  SIGIL_TRY(TenantRow after, TenantStore(tx).find(tenant));
  SIGIL_TRY_VOID(keep_old_retention(tx, before, after, now));
  AuditEntry e;
  e.actor = std::string(actor);
  e.action = "tenant.set-policy";
  e.tenant = after.name;
  e.target = after.name;
  e.old_value = policy_json(before).text();
  e.new_value = policy_json(after).text();
  SIGIL_TRY_VOID(AuditLogStore(tx).append(e));
  return after;
}

}  // namespace sigil::db
