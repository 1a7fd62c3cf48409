#include "certmgr/renew/scheduler.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "certmgr/alarms/expiry_schedule.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/db/alarm_store.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::certmgr {
namespace {

constexpr std::string_view kSigningExpiry = "signing-cert.expiry";
constexpr std::string_view kRenewalFailed = "signing-cert.renewal-failed";
constexpr std::string_view kCaExpiry = "ca.expiry";
constexpr std::string_view kServerExpiry = "server-cert.expiry";
constexpr std::chrono::hours kMaxBackoff{24};

const db::SigningKeyRow* find_key(const std::vector<db::SigningKeyRow>& keys,
                                  db::SigningKeyState state,
                                  std::optional<db::SigningKeySource> source = std::nullopt) {
  for (const auto& k : keys) {  // newest first
    if (k.state == state && (!source || k.source == *source)) return &k;
  }
  return nullptr;
}

std::optional<alarms::OpenAlarm> open_alarm_of(const std::optional<db::AlarmRow>& row) {
  if (!row) return std::nullopt;
  alarms::OpenAlarm a;
  a.severity = row->severity == "critical" ? alarms::Severity::kCritical : alarms::Severity::kWarning;
  a.last_notified = row->last_notified_at.value_or(row->first_raised_at);
  return a;
}

}  // namespace

Scheduler::Scheduler(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                     const log::Logger& log, metrics::Registry& metrics, SchedulerOptions options)
    : pool_(pool),
      master_key_(master_key),
      log_(log),
      renewals_(metrics.counter("sigil_cert_renewals_total",
                                "Automatic signing certificate renewals (activations), by "
                                "tenant and result.",
                                {"tenant", "result"})),
      options_(std::move(options)) {}

void Scheduler::log_event(const PassEvent& e, bool dry_run) const {
  const std::string event = "scheduler." + e.action;
  log::Level level = log::Level::kInfo;
  if (e.action == "renewal.failed" || e.detail.rfind("critical", 0) == 0) {
    level = log::Level::kError;
  } else if (e.action == "alarm.notified") {
    level = log::Level::kWarn;
  }
  log_.write(level, event,
             {{"tenant", e.tenant}, {"subject", e.subject}, {"detail", e.detail},
              {"dry_run", dry_run}});
}

Result<void> Scheduler::in_transaction(
    std::string_view what, bool dry_run, std::vector<PassEvent>& out,
    const std::function<Result<void>(pqxx::dbtransaction&, std::vector<PassEvent>&)>& body) {
  std::vector<PassEvent> attempt;
  bool rolled_back_on_purpose = false;
  auto r = db::transact(pool_, what, [&](pqxx::dbtransaction& tx) -> Result<void> {
    attempt.clear();
    SIGIL_TRY_VOID(body(tx, attempt));
    if (dry_run) {
      rolled_back_on_purpose = true;
      return fail(Errc::kConflict, "dry run: rolled back");
    }
    return {};
  });
  if (!r && !rolled_back_on_purpose) return r;
  for (auto& e : attempt) {
    log_event(e, dry_run);
    if (!dry_run && !e.kind.empty() && options_.on_alarm) options_.on_alarm(e, pass_at_);
    out.push_back(std::move(e));
  }
  return {};
}

// Runs inside the CA transaction, after ensure_ca took the CA-creation lock: two certmgr
// processes cannot both make a default certificate.
Result<void> Scheduler::bootstrap_server_cert(pqxx::dbtransaction& tx, TimePoint at,
                                              std::vector<PassEvent>& out) {
  if (!options_.default_server_cert) return {};
  db::ServerCertStore store(tx);
  SIGIL_TRY(std::optional<db::ServerCertRow> active, store.active(""));
  std::string action;
  std::string why;
  if (!active) {
    action = "server-cert.created";
    why = "the deployment had no default server certificate";
  } else if (active->self_signed && active->not_after &&
             *active->not_after - at <= options_.renew_lead) {
    action = "server-cert.renewed";
    why = "the self-signed default server certificate expires at " +
          format_rfc3339(*active->not_after);
  } else {
    return {};
  }
  SIGIL_TRY(tls::SelfSigned made, tls::make_self_signed(*options_.default_server_cert,
                                                        master_key_, at));
  SIGIL_TRY(db::ServerCertRow stored, store.insert_active(made.row, at));
  (void)stored;
  db::AuditEntry e;
  e.actor = options_.actor;
  e.action = action;
  e.target = "server-cert:default";
  e.new_value = boost::json::serialize(
      boost::json::object{{"subject", made.info.subject},
                          {"sha256_fingerprint", made.info.sha256_fingerprint},
                          {"not_after", format_rfc3339(made.info.not_after)}});
  e.detail = why + "; new self-signed certificate, active";
  SIGIL_TRY_VOID(db::AuditLogStore(tx).append(e));
  out.push_back({"", action, "server-cert:default",
                 made.info.subject + " sha256 " + made.info.sha256_fingerprint + ", valid until " +
                     format_rfc3339(made.info.not_after)});
  return {};
}

Result<void> Scheduler::alarm_server_certs(pqxx::dbtransaction& tx, TimePoint at,
                                           std::vector<PassEvent>& out) {
  db::AlarmStore alarms(tx);
  SIGIL_TRY(std::vector<db::ServerCertExpiry> certs, db::AlarmStore(tx).active_server_certs());
  std::vector<std::string> keep;
  for (const auto& c : certs) {
    const std::string subject = "server-cert:" + (c.hostname.empty() ? "(default)" : c.hostname);
    keep.push_back(subject);
    SIGIL_TRY(std::optional<db::AlarmRow> open, alarms.open(kServerExpiry, subject));
    auto d = alarms::decide_expiry_alarm(c.not_after, at, open_alarm_of(open));
    if (d.action == alarms::ExpiryDecision::Action::kNotify) {
      std::string severity(alarms::severity_name(d.severity));
      std::string message = "the TLS server certificate for " +
                            (c.hostname.empty() ? std::string("the default host") : c.hostname) +
                            " " + alarms::describe_expiry(c.not_after, at);
      SIGIL_TRY_VOID(alarms.raise(std::nullopt, kServerExpiry, subject, severity, message, at, true));
      out.push_back({"", "alarm.notified", subject, severity + ": " + message,
                     std::string(kServerExpiry)});
    } else if (d.action == alarms::ExpiryDecision::Action::kClear) {
      SIGIL_TRY_VOID(alarms.clear(kServerExpiry, subject, at));
      out.push_back({"", "alarm.cleared", subject, "valid for long enough",
                     std::string(kServerExpiry)});
    }
  }
  SIGIL_TRY(std::vector<db::AlarmRow> stale, alarms.open_except(std::nullopt, kServerExpiry, keep));
  for (const auto& a : stale) {
    SIGIL_TRY_VOID(alarms.clear(kServerExpiry, a.subject, at));
    out.push_back({"", "alarm.cleared", a.subject, "the certificate was replaced",
                   std::string(kServerExpiry)});
  }
  return {};
}

Result<void> Scheduler::alarm_ca(pqxx::dbtransaction& tx, const ca::BuiltinCa& ca, TimePoint at,
                                 std::vector<PassEvent>& out) {
  db::AlarmStore alarms(tx);
  const std::string subject = "ca-" + ca.sha256.substr(0, 16);
  SIGIL_TRY(std::optional<db::AlarmRow> open, alarms.open(kCaExpiry, subject));
  auto d = alarms::decide_expiry_alarm(ca.not_after, at, open_alarm_of(open));
  if (d.action == alarms::ExpiryDecision::Action::kNotify) {
    std::string severity(alarms::severity_name(d.severity));
    std::string message = "the built-in CA " + alarms::describe_expiry(ca.not_after, at);
    SIGIL_TRY_VOID(alarms.raise(std::nullopt, kCaExpiry, subject, severity, message, at, true));
    out.push_back({"", "alarm.notified", subject, severity + ": " + message, std::string(kCaExpiry)});
  } else if (d.action == alarms::ExpiryDecision::Action::kClear) {
    SIGIL_TRY_VOID(alarms.clear(kCaExpiry, subject, at));
    out.push_back({"", "alarm.cleared", subject, "the built-in CA is valid for long enough",
                   std::string(kCaExpiry)});
  }
  SIGIL_TRY(std::vector<db::AlarmRow> stale, alarms.open_except(std::nullopt, kCaExpiry, {subject}));
  for (const auto& a : stale) {
    SIGIL_TRY_VOID(alarms.clear(kCaExpiry, a.subject, at));
    out.push_back({"", "alarm.cleared", a.subject, "the CA was replaced", std::string(kCaExpiry)});
  }
  return {};
}

Result<void> Scheduler::renew_tenant(pqxx::dbtransaction& tx, const std::string& tenant,
                                     TimePoint at, std::vector<PassEvent>& out) {
  db::KeySetStore store(tx, options_.actor);
  SIGIL_TRY(db::KeySetChange retired, store.retire_due(tenant, at));
  for (const auto& id : retired.retired) {
    out.push_back({tenant, "key.retired", id, "no token it signed can still be valid"});
  }
  SIGIL_TRY(db::KeySetView view, store.read(tenant));
  const db::SigningKeyRow* active = find_key(view.keys, db::SigningKeyState::kActive);
  const db::SigningKeyRow* pending =
      find_key(view.keys, db::SigningKeyState::kPending, db::SigningKeySource::kBuiltinCa);

  auto new_key = [&]() -> Result<db::NewSigningKey> {
    ManualClock clock(at);
    return ca::new_signing_key(tx, master_key_, clock, options_.ca, view.tenant.name,
                               view.tenant.id, options_.signing_key_type,
                               options_.signing_validity);
  };
  auto activate = [&](const std::string& key_id, std::string_view action) -> Result<void> {
    SIGIL_TRY(db::KeySetChange change, store.activate(tenant, key_id, at));
    std::string detail = "now signs tokens";
    if (change.deactivated) {
      detail += "; " + *change.deactivated + " verifies until " +
                format_rfc3339(change.deactivated_verify_until.value_or(at));
    }
    out.push_back({tenant, std::string(action), key_id, detail});
    return {};
  };

  if (active == nullptr) {
    // Never leave a tenant without a signing key.
    if (pending != nullptr) return activate(pending->key_id, "key.created");
    SIGIL_TRY(db::NewSigningKey key, new_key());
    std::string key_id = key.key_id;
    SIGIL_TRY_VOID(store.rotate(tenant, std::move(key), at));
    out.push_back({tenant, "key.created", key_id, "the tenant had no active key"});
    return {};
  }
  if (active->source != db::SigningKeySource::kBuiltinCa) return {};  // third-party: alarms only
  if (active->not_after - at > options_.renew_lead) return {};
  if (pending == nullptr) {
    SIGIL_TRY(db::NewSigningKey key, new_key());
    std::string key_id = key.key_id;
    SIGIL_TRY_VOID(store.add_pending(tenant, std::move(key), at));
    out.push_back({tenant, "renewal.pending", key_id,
                   "replaces " + active->key_id + " (" +
                       alarms::describe_expiry(active->not_after, at) + "); activates from " +
                       format_rfc3339(at + options_.prepublish_delay)});
    if (options_.prepublish_delay.count() > 0) return {};
    return activate(key_id, "renewal.activated");
  }
  const TimePoint published = pending->not_before + ca::kBackdate;
  if (at - published < options_.prepublish_delay) return {};
  return activate(pending->key_id, "renewal.activated");
}

Result<void> Scheduler::alarm_tenant(pqxx::dbtransaction& tx, const std::string& tenant,
                                     TimePoint at, std::vector<PassEvent>& out) {
  db::KeySetStore store(tx, options_.actor);
  db::AlarmStore alarms(tx);
  SIGIL_TRY(db::KeySetView view, store.read(tenant));
  const db::SigningKeyRow* active = find_key(view.keys, db::SigningKeyState::kActive);
  std::vector<std::string> keep;
  if (active != nullptr) {
    keep.push_back(active->key_id);
    SIGIL_TRY(std::optional<db::AlarmRow> open, alarms.open(kSigningExpiry, active->key_id));
    auto d = alarms::decide_expiry_alarm(active->not_after, at, open_alarm_of(open));
    if (d.action == alarms::ExpiryDecision::Action::kNotify) {
      std::string severity(alarms::severity_name(d.severity));
      std::string message = "signing certificate " + active->key_id + " of tenant " + tenant +
                            " " + alarms::describe_expiry(active->not_after, at);
      if (active->source == db::SigningKeySource::kThirdParty) {
        message += "; it is third-party: import its replacement (sigilctl signing-cert import)";
      }
      SIGIL_TRY_VOID(alarms.raise(view.tenant.id, kSigningExpiry, active->key_id, severity, message,
                                  at, true));
      out.push_back({tenant, "alarm.notified", active->key_id, severity + ": " + message,
                     std::string(kSigningExpiry)});
    } else if (d.action == alarms::ExpiryDecision::Action::kClear) {
      SIGIL_TRY_VOID(alarms.clear(kSigningExpiry, active->key_id, at));
      out.push_back({tenant, "alarm.cleared", active->key_id, "valid for long enough",
                     std::string(kSigningExpiry)});
    }
  }
  SIGIL_TRY(std::vector<db::AlarmRow> stale, alarms.open_except(view.tenant.id, kSigningExpiry, keep));
  for (const auto& a : stale) {
    SIGIL_TRY_VOID(alarms.clear(kSigningExpiry, a.subject, at));
    out.push_back({tenant, "alarm.cleared", a.subject, "no longer the active signing key",
                   std::string(kSigningExpiry)});
  }
  return {};
}

Result<void> Scheduler::record_failure(pqxx::dbtransaction& tx, const std::string& tenant,
                                       const Error& error, TimePoint at,
                                       std::vector<PassEvent>& out) {
  SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).find(tenant));
  std::string message = "automatic renewal of tenant " + tenant + "'s signing certificate failed: " +
                        error.message;
  SIGIL_TRY_VOID(db::AlarmStore(tx).raise(row.id, kRenewalFailed, tenant, "warning", message, at,
                                          true));
  out.push_back({tenant, "alarm.notified", tenant, "warning: " + message,
                 std::string(kRenewalFailed)});
  return {};
}

Result<PassReport> Scheduler::run_pass(TimePoint at, bool dry_run, bool respect_backoff) {
  pass_at_ = at;
  PassReport report;
  report.at = at;
  report.dry_run = dry_run;
  SIGIL_TRY_VOID(in_transaction(
      "certmgr.ca", dry_run, report.events,
      [&](pqxx::dbtransaction& tx, std::vector<PassEvent>& ev) -> Result<void> {
        bool created = false;
        ManualClock clock(at);
        SIGIL_TRY(ca::BuiltinCa opened, ca::ensure_ca(tx, master_key_, clock, options_.ca, &created));
        if (created) {
          ev.push_back({"", "ca.created", "ca-" + opened.sha256.substr(0, 16),
                        "valid until " + format_rfc3339(opened.not_after)});
        }
        SIGIL_TRY_VOID(alarm_ca(tx, opened, at, ev));
        SIGIL_TRY_VOID(bootstrap_server_cert(tx, at, ev));
        SIGIL_TRY_VOID(alarm_server_certs(tx, at, ev));
        return {};
      }));
  SIGIL_TRY(std::vector<db::TenantRow> tenants,
            db::transact(pool_, "certmgr.tenants",
                         [](pqxx::dbtransaction& tx) { return db::TenantStore(tx).list(); }));
  for (const auto& t : tenants) {
    const std::string& name = t.name;
    if (respect_backoff) {
      std::lock_guard lock(backoff_mu_);
      auto it = backoff_.find(name);
      if (it != backoff_.end() && at < it->second.next_attempt) continue;
    }
    std::vector<PassEvent> renewed;
    auto r = in_transaction("certmgr.renew", dry_run, renewed,
                            [&](pqxx::dbtransaction& tx, std::vector<PassEvent>& ev) -> Result<void> {
                              SIGIL_TRY_VOID(renew_tenant(tx, name, at, ev));
                              SIGIL_TRY(bool cleared, db::AlarmStore(tx).clear(kRenewalFailed, name, at));
                              if (cleared) {
                                ev.push_back({name, "alarm.cleared", name, "renewal works again",
                                              std::string(kRenewalFailed)});
                              }
                              return {};
                            });
    if (r) {
      for (const auto& e : renewed) {
        if (!dry_run && e.action == "renewal.activated") {
          renewals_.with({{"tenant", name}, {"result", "success"}}).inc();
        }
      }
      report.events.insert(report.events.end(), renewed.begin(), renewed.end());
      std::lock_guard lock(backoff_mu_);
      backoff_.erase(name);
    } else {
      ++report.failures;
      PassEvent failed{name, "renewal.failed", name, r.error().message};
      log_event(failed, dry_run);
      report.events.push_back(failed);
      if (!dry_run) renewals_.with({{"tenant", name}, {"result", "failure"}}).inc();
      {
        std::lock_guard lock(backoff_mu_);
        Backoff& b = backoff_[name];
        b.failures += 1;
        auto delay = std::chrono::minutes(1) * (1 << std::min(b.failures, 10));
        b.next_attempt = at + std::min<std::chrono::nanoseconds>(delay, kMaxBackoff);
      }
      (void)in_transaction("certmgr.renewal-failed", dry_run, report.events,
                           [&](pqxx::dbtransaction& tx, std::vector<PassEvent>& ev) -> Result<void> {
                             return record_failure(tx, name, r.error(), at, ev);
                           });
    }
    auto alarmed = in_transaction("certmgr.alarms", dry_run, report.events,
                                  [&](pqxx::dbtransaction& tx, std::vector<PassEvent>& ev) -> Result<void> {
                                    return alarm_tenant(tx, name, at, ev);
                                  });
    if (!alarmed) {
      ++report.failures;
      log_.error("scheduler.alarms_failed", {{"tenant", name}, {"message", alarmed.error().message}});
    }
  }
  return report;
}

}  // namespace sigil::certmgr
