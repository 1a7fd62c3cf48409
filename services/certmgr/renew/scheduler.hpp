#pragma once
// One scheduler pass of sigil-certmgr (issue: certmgr), as of a given instant:
//
//   for the deployment's built-in CA (created here at the first pass if missing):
//     its expiry alarm; with `default_server_cert` set (sigil-certmgr's
//     --bootstrap-server-cert), the deployment's default HTTPS server certificate: made
//     self-signed when there is none (the first start), and a self-signed one made anew when it
//     expires within `renew_lead`; then the expiry alarm of every active TLS server certificate;
//   for every tenant, in its own transactions (the tenant row locked, so concurrent passes of
//   two certmgr processes serialise):
//     1. retire the keys that are due (keys::due_for_retirement);
//     2. renew: when the active key was issued by the built-in CA and expires within
//        `renew_lead` (default 100 days, ahead of the 90-day alarm), issue a new key and
//        certificate from the CA and add it as *pending* (published to relying parties), then,
//        on the first pass at least `prepublish_delay` later, activate it (the old key becomes
//        verify-only, as the key set rules say). A tenant without any active key gets one at once;
//     3. the expiry alarm of the active signing certificate (alarms/expiry_schedule.hpp),
//        third-party certificates included (they cannot be renewed here); alarms of keys that are
//        no longer active are cleared.
//   A failed renewal rolls its transaction back, is logged (renewal.failed), counted
//   (sigil_cert_renewals_total{result="failure"}) and raises a warning alarm
//   "signing-cert.renewal-failed"; the tenant keeps its active key, and the next pass retries
//   (service passes back off exponentially per tenant, up to a day; run-once ignores backoff).
//
// dry_run: every transaction is rolled back; the report says what would have happened.
// `at` drives every decision (time travel: `sigil-certmgr run-once --at 2031-01-01T00:00:00Z`);
// rows record `at` as the time of their change.
//
// Thread-safety: run_pass() runs one pass at a time per Scheduler (certmgr's leader loop, or
// run-once); the pool, master key, logger and registry must outlive the scheduler.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/ca/builtin_ca.hpp"
#include "certmgr/tls/self_signed.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::certmgr {

struct PassEvent {
  std::string tenant;   ///< "" for deployment-wide events (the CA)
  std::string action;   ///< ca.created, renewal.pending, renewal.activated, renewal.failed,
                        ///< key.created, key.retired, alarm.notified, alarm.cleared
  std::string subject;  ///< key id, CA fingerprint
  std::string detail;
  std::string kind;     ///< alarm events: the alarm kind (signing-cert.expiry, ...)

  PassEvent(std::string tenant_, std::string action_, std::string subject_, std::string detail_,
            std::string kind_ = {})
      : tenant(std::move(tenant_)),
        action(std::move(action_)),
        subject(std::move(subject_)),
        detail(std::move(detail_)),
        kind(std::move(kind_)) {}
};

struct SchedulerOptions {
  std::chrono::hours renew_lead{24 * 100};
  std::chrono::seconds prepublish_delay{std::chrono::hours(24)};
  crypto::KeyType signing_key_type = crypto::KeyType::kRsa2048;
  std::chrono::hours signing_validity = ca::kDefaultSigningValidity;
  ca::CaOptions ca;
  std::string actor = "sigil-certmgr";  ///< audit log actor
  /// Called with every alarm event (alarm.notified, alarm.cleared) once its transaction has
  /// committed, with the pass's time; never in dry runs. E.g. alarms::Webhook::deliver.
  std::function<void(const PassEvent&, TimePoint)> on_alarm;
  /// The default server certificate to make self-signed when the deployment has none, or when
  /// the active one is self-signed and expires within renew_lead. Unset: leave it alone.
  std::optional<tls::SelfSignedRequest> default_server_cert;
};



struct PassReport {
  TimePoint at;
  bool dry_run = false;
  std::vector<PassEvent> events;
  int failures = 0;
};

class Scheduler {
 public:
  Scheduler(db::ConnectionPool& pool, const crypto::MasterKey& master_key, const log::Logger& log,
            metrics::Registry& metrics, SchedulerOptions options);

  /// One pass as of `at`. Fails only when nothing could be done (database unreachable, the CA
  /// unusable); per-tenant failures are in the report.
  Result<PassReport> run_pass(TimePoint at, bool dry_run, bool respect_backoff = false);

 private:
  struct Backoff {
    int failures = 0;
    TimePoint next_attempt;
  };
  Result<void> renew_tenant(pqxx::dbtransaction& tx, const std::string& tenant, TimePoint at,
                            std::vector<PassEvent>& out);
  Result<void> alarm_tenant(pqxx::dbtransaction& tx, const std::string& tenant, TimePoint at,
                            std::vector<PassEvent>& out);
  Result<void> alarm_ca(pqxx::dbtransaction& tx, const ca::BuiltinCa& ca, TimePoint at,
                        std::vector<PassEvent>& out);
  Result<void> bootstrap_server_cert(pqxx::dbtransaction& tx, TimePoint at,
                                     std::vector<PassEvent>& out);
  Result<void> alarm_server_certs(pqxx::dbtransaction& tx, TimePoint at,
                                  std::vector<PassEvent>& out);
  Result<void> record_failure(pqxx::dbtransaction& tx, const std::string& tenant,
                              const Error& error, TimePoint at, std::vector<PassEvent>& out);
  // Runs body in a transaction; with dry_run it is rolled back but `out` keeps its events.
  Result<void> in_transaction(std::string_view what, bool dry_run, std::vector<PassEvent>& out,
                              const std::function<Result<void>(pqxx::dbtransaction&,
                                                               std::vector<PassEvent>&)>& body);
  void log_event(const PassEvent& e, bool dry_run) const;

  db::ConnectionPool& pool_;
  const crypto::MasterKey& master_key_;
  const log::Logger& log_;
  metrics::CounterFamily& renewals_;
  const SchedulerOptions options_;

  TimePoint pass_at_{};  // the running pass's time, for on_alarm

  std::mutex backoff_mu_;
  std::map<std::string, Backoff, std::less<>> backoff_;
};

}  // namespace sigil::certmgr
