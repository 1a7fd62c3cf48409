#pragma once
// CertmgrApp: what sigil-certmgr runs once its host is up.
//
// Leadership: one certmgr per deployment runs the scheduler. Each process keeps one dedicated
// PostgreSQL connection and tries `pg_try_advisory_lock(kCertmgrLeaderLock)` on it every
// `standby_retry` (2 s); the lock is a session lock, so it is released the moment the leader's
// connection ends (the process exits, is killed, or loses the database), and a standby takes
// over within one retry. The leader runs a pass at once and then every `pass_interval`.
// Logs: leader.acquired, leader.lost (warn), leader.standby (once). Gauge sigil_certmgr_leader.
//
// Every process (leader or standby) refreshes its metrics snapshot from the database every
// `metrics_refresh`: sigil_signing_cert_not_after_timestamp_seconds{tenant,key_id,state},
// sigil_cert_alarm_active{tenant,kind,severity} and sigil_ca_not_after_timestamp_seconds.
//
// Admin API: with --listen set, an HTTPS listener "admin" (admin/admin_api.hpp, certificate from
// --tls-cert/--tls-key or HOME/tls, self-signed at first start; TLS client certificates
// optional, checked by the API's authentication) serves /api/v1/admin/...
//
// Linked peers (peers/peer_sync.hpp): every process serves POST /api/v1/peer/changes on the
// admin listener; the leader pushes change_log records to the peers (set_leader from loop()).
//
// Thread-safety: start/stop from main's thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "certmgr/config.hpp"
#include "certmgr/alarms/webhook.hpp"
#include "certmgr/renew/scheduler.hpp"
#include "sigil/http/server.hpp"
#include "sigil/service/service_host.hpp"
#include "sigil/xml/library.hpp"

namespace sigil::certmgr {

namespace admin {
class AdminApi;
}
namespace peers {
class PeerSync;
}

class CertmgrApp {
 public:
  static Result<std::unique_ptr<CertmgrApp>> create(const CertmgrConfig& cfg,
                                                    service::ServiceHost& host,
                                                    const log::Logger& log);
  ~CertmgrApp();
  CertmgrApp(const CertmgrApp&) = delete;
  CertmgrApp& operator=(const CertmgrApp&) = delete;

  void start();
  void stop();

 private:
  CertmgrApp(const CertmgrConfig& cfg, const log::Logger& log, crypto::MasterKey&& master_key);
  Result<void> build_admin_server(service::ServiceHost& host);
  void loop();
  void refresh_metrics();
  bool sleep_for(std::chrono::milliseconds d);

  const CertmgrConfig& cfg_;
  const log::Logger& log_;
  SystemClock clock_;
  crypto::MasterKey master_key_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<alarms::Webhook> webhook_;  // before scheduler_, which calls it
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<xml::XmlSecLibrary> xmlsec_;  // token validation in the admin API
  std::unique_ptr<admin::AdminApi> admin_api_;
  std::unique_ptr<peers::PeerSync> peer_sync_;  // linked peers (peers/peer_sync.hpp)
  std::unique_ptr<http::Server> admin_server_;
  metrics::Gauge* leader_gauge_ = nullptr;

  std::mutex snapshot_mu_;
  std::vector<metrics::GaugeSample> cert_not_after_;
  std::vector<metrics::GaugeSample> alarms_active_;
  std::vector<metrics::GaugeSample> ca_not_after_;
  std::vector<metrics::GaugeSample> server_not_after_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

/// How far from now a real scheduler pass may be run without --allow-time-travel: clocks of
/// the operator's machine and certmgr's differ a little, and a pass a minute ahead is harmless.
inline constexpr std::chrono::minutes kPassTimeTolerance{5};

/// May a pass as of `at` run when the clock says `now`? Dry runs always; a real pass within
/// kPassTimeTolerance of now always; any other real pass only with cfg.allow_time_travel,
/// else kInvalidTimeRange naming the setting. A pass in the future renews the default server
/// certificate with a notBefore in the future and retires keys whose tokens are still valid.
Result<void> check_pass_time(const CertmgrConfig& cfg, TimePoint at, TimePoint now, bool dry_run);

/// `sigil-certmgr run-once`: one pass as of `at` (check_pass_time first), printed one event a
/// line (or as JSON).
Result<PassReport> run_once(const CertmgrConfig& cfg, TimePoint at, bool dry_run,
                            const log::Logger& log);
std::string describe(const PassReport& report, bool json);

/// The alarm webhook of --alarm-webhook-url (null without one).
Result<std::unique_ptr<alarms::Webhook>> make_webhook(const CertmgrConfig& cfg,
                                                      const log::Logger& log,
                                                      metrics::Registry& registry);

/// SchedulerOptions from the configuration.
Result<SchedulerOptions> scheduler_options(const CertmgrConfig& cfg);

}  // namespace sigil::certmgr
