// Admin API: alarms, one scheduler pass (run-once), the audit log and the rotation preview.

#include <boost/json.hpp>

#include "certmgr/admin/admin_api.hpp"
#include "certmgr/admin/json_body.hpp"
#include "certmgr/admin/views.hpp"
#include "certmgr/app.hpp"
#include "sigil/base/ascii.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/db/alarm_store.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::certmgr::admin {
namespace {

namespace json = boost::json;

// Which alarms an administrator of `tenant` sees: its tenant's own; of the deployment-wide
// ones, the built-in CA's (it issues every tenant's signing certificates; its alarm names no
// tenant) and the server certificates of its own hostnames. The system tenant's administrators
// see every deployment-wide alarm. Never another tenant's alarms or hostnames.
bool alarm_visible(const db::AlarmRow& row, std::string_view tenant, bool deployment_admin,
                   const std::vector<std::string>& own_hostnames) {
  if (!row.tenant.empty()) return equal_ignoring_ascii_case(row.tenant, tenant);
  if (deployment_admin || row.kind == "ca.expiry") return true;
  constexpr std::string_view kServerPrefix = "server-cert:";
  if (row.kind != "server-cert.expiry" || row.subject.rfind(kServerPrefix, 0) != 0) return false;
  const std::string_view hostname = std::string_view(row.subject).substr(kServerPrefix.size());
  for (const auto& own : own_hostnames) {
    if (equal_ignoring_ascii_case(own, hostname)) return true;
  }
  return false;
}

Result<std::optional<TimePoint>> time_param(std::string_view query, std::string_view name) {
  auto text = query_param(query, name);
  if (!text) return std::optional<TimePoint>();
  auto t = parse_time(*text);
  if (!t) {
    return fail(Errc::kMalformedRequest,
                "'" + std::string(name) + "' is not an RFC 3339 time: " + *text);
  }
  return std::optional<TimePoint>(*t);
}

Result<bool> bool_param(std::string_view query, std::string_view name) {
  auto text = query_param(query, name);
  if (!text || *text == "false") return false;
  if (*text == "true" || text->empty()) return true;
  return fail(Errc::kMalformedRequest, "'" + std::string(name) + "' must be true or false");
}

// The rotation plan for a fresh key activated now (the rule refresh applies).
std::optional<keys::ActivationPlan> rotation_plan(std::vector<keys::KeyRecord> records,
                                                  const keys::RetentionPolicy& policy,
                                                  TimePoint now) {
  keys::KeyRecord fresh;
  fresh.key_id = "(new key)";
  fresh.not_before = now;
  fresh.not_after = now + std::chrono::hours(24 * 365);
  records.push_back(fresh);
  auto plan = keys::plan_activation(records, fresh.key_id, policy, now);
  if (!plan) return std::nullopt;
  return std::move(plan).value();
}

}  // namespace

Result<Reply> list_alarms(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(std::optional<TimePoint> at, time_param(r.query, "at"));
  SIGIL_TRY(bool include_cleared, bool_param(r.query, "include_cleared"));
  struct Read {
    std::vector<db::AlarmRow> rows;
    std::vector<std::string> own_hostnames;
  };
  SIGIL_TRY(Read read, db::transact(*d.pool, "admin.alarms", [&](pqxx::dbtransaction& tx)
                                                                  -> Result<Read> {
    Read out;
    SIGIL_TRY(out.rows, db::AlarmStore(tx).list(include_cleared || at.has_value()));
    SIGIL_TRY(out.own_hostnames, db::TenantStore(tx).hostnames(a.tenant));
    return out;
  }));
  const bool deployment_admin = d.auth->is_system_tenant(a.tenant);
  json::array alarms;
  for (const auto& row : read.rows) {
    if (!alarm_visible(row, a.tenant, deployment_admin, read.own_hostnames)) continue;
    if (at && (row.first_raised_at > *at || (row.cleared_at && *row.cleared_at <= *at))) continue;
    alarms.push_back(alarm_json(row));
  }
  Reply out;
  json::object body{{"tenant", a.tenant}, {"alarms", std::move(alarms)}};
  body["at"] = time_json(at);
  out.body = std::move(body);
  return out;
}

Result<Reply> run_scheduler_once(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(JsonFields f, JsonFields::parse(content_type, r.message.body(), {"at", "dry_run"}));
  SIGIL_TRY(auto at_text, f.string("at", 64));
  SIGIL_TRY(auto dry_run_field, f.boolean("dry_run"));
  TimePoint at = d.clock->now();
  if (at_text) {
    auto parsed = parse_time(*at_text);
    if (!parsed) {
      return fail(Errc::kMalformedRequest,
                  "field 'at' is not an RFC 3339 time: " + std::string(*at_text));
    }
    at = *parsed;
  }
  const bool dry_run = dry_run_field.value_or(false);
  // `a` is a system-tenant administrator (Access::kDeployment): the pass acts on every tenant.
  const TimePoint now = d.clock->now();
  SIGIL_TRY_VOID(check_pass_time(*d.cfg, at, now, dry_run));
  if (!dry_run && (at > now + kPassTimeTolerance || at < now - kPassTimeTolerance)) {
    d.log->warn("scheduler.time_travel", {{"actor", a.actor}, {"at", format_rfc3339(at)}});
  }
  SIGIL_TRY(SchedulerOptions options, scheduler_options(*d.cfg));
  options.actor = a.actor;
  Scheduler scheduler(*d.pool, *d.master_key, *d.log, *d.metrics, std::move(options));
  SIGIL_TRY(PassReport report, scheduler.run_pass(at, dry_run));
  if (!dry_run) {
    SIGIL_TRY_VOID(db::transact(*d.pool, "admin.run-once.audit", [&](pqxx::dbtransaction& tx) {
      db::AuditEntry e;
      e.actor = a.actor;
      e.action = "certmgr.run-once";
      e.tenant = a.tenant;
      e.new_value = json::serialize(json::object{{"at", format_rfc3339(at)},
                                                 {"events", report.events.size()},
                                                 {"failures", report.failures}});
      return db::AuditLogStore(tx).append(e);
    }));
  }
  std::error_code ec;
  json::value body = json::parse(describe(report, true), ec);
  if (ec) return fail(Errc::kInternal, "cannot render the pass report");
  Reply out;
  out.body = std::move(body);
  return out;
}

Result<Reply> read_audit_log(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  std::int64_t limit = 50;
  if (auto text = query_param(r.query, "limit")) {
    char* end = nullptr;
    const long long v = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || v < 1 || v > 1000) {
      return fail(Errc::kMalformedRequest, "'limit' must be a whole number 1..1000");
    }
    limit = v;
  }
  SIGIL_TRY(std::vector<db::AuditRow> rows,
            db::transact(*d.pool, "admin.audit-log", [&](pqxx::dbtransaction& tx) {
              return db::AuditLogStore(tx).recent(a.tenant, limit);
            }));
  json::array entries;
  for (const auto& row : rows) entries.push_back(audit_json(row));
  Reply out;
  out.body = json::object{{"tenant", a.tenant}, {"entries", std::move(entries)}};
  return out;
}

Result<Reply> preview_rotation(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  const std::string tenant(r.param("tenant"));
  struct Preview {
    db::KeySetView view;
    std::vector<db::IssuedTokenRow> tokens;
  };
  const TimePoint now = d.clock->now();
  SIGIL_TRY(Preview p, db::transact(*d.pool, "admin.rotation-preview",
                                    [&](pqxx::dbtransaction& tx) -> Result<Preview> {
    Preview out;
    SIGIL_TRY(out.view, db::KeySetStore(tx, a.actor).read(tenant));
    const auto tolerance = std::chrono::seconds(out.view.tenant.policy.clock_tolerance_s);
    SIGIL_TRY(out.tokens,
              db::SigningKeyStore(tx).list_issued_tokens(out.view.tenant.id, now - tolerance));
    return out;
  }));
  const keys::RetentionPolicy policy = db::retention_policy_of(p.view.tenant);
  std::vector<keys::KeyRecord> records;
  std::vector<keys::IssuedToken> tokens;
  for (const auto& k : p.view.keys) records.push_back(db::key_record_of(k));
  for (const auto& t : p.tokens) tokens.push_back({t.token_id, t.key_id, t.not_on_or_after});
  const auto plan = rotation_plan(records, policy, now);
  json::array impacts;
  for (const keys::KeyRecord& rec : records) {
    if (rec.state != keys::KeyState::kActive && rec.state != keys::KeyState::kVerifyOnly) continue;
    const keys::RemovalImpact impact = keys::plan_removal(rec, policy, now, tokens);
    json::array ids;
    for (const auto& t : impact.live_tokens) ids.push_back(json::string(t.token_id));
    json::object o{{"key_id", impact.key_id},           {"state", keys::state_name(impact.state)},
                   {"safe_to_remove_now", impact.safe}, {"live_tokens", impact.live_tokens.size()},
                   {"live_token_ids", std::move(ids)},  {"summary", impact.summary}};
    o["at_risk_until"] = time_json(impact.at_risk_until);
    impacts.push_back(std::move(o));
  }
  json::object root{{"tenant", p.view.tenant.name},
                    {"now", format_rfc3339(now)},
                    {"retention_period_s", keys::retention_period(policy).count()},
                    {"stranded_by_rotation", 0},
                    {"keys", std::move(impacts)}};
  root["verify_only_key_id"] =
      plan && plan->previous_key ? json::value(*plan->previous_key) : nullptr;
  root["verify_until"] = time_json(plan ? plan->previous_verify_until : std::nullopt);
  json::array due;
  for (const auto& k : keys::due_for_retirement(records, now)) due.push_back(json::string(k));
  root["due_for_retirement"] = std::move(due);
  Reply out;
  out.body = std::move(root);
  return out;
}

}  // namespace sigil::certmgr::admin
