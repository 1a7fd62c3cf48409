#include "certmgr/app.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>

#include <boost/json.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "certmgr/admin/admin_api.hpp"
#include "certmgr/peers/peer_sync.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/db/advisory_locks.hpp"
#include "sigil/db/alarm_store.hpp"
#include "sigil/db/ca_store.hpp"
#include "sigil/db/errors.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/http/address.hpp"
#include "sigil/service/tls_setup.hpp"

namespace sigil::certmgr {
namespace {

constexpr std::chrono::seconds kStandbyRetry{2};
constexpr std::chrono::seconds kMetricsRefresh{30};

std::filesystem::path master_key_path(const CertmgrConfig& cfg) {
  if (!cfg.data.master_key_file.empty()) return cfg.data.master_key_file;
  return std::filesystem::path(cfg.data.home) / "master.key";
}

crypto::KeyType key_type_of(std::string_view name) {
  if (name == "rsa-3072") return crypto::KeyType::kRsa3072;
  if (name == "ecdsa-p256") return crypto::KeyType::kEcdsaP256;
  return crypto::KeyType::kRsa2048;
}

Result<crypto::MasterKey> open_master_key(const CertmgrConfig& cfg) {
  auto key = crypto::load_master_key(master_key_path(cfg));
  if (!key) {
    return fail(key.error().code, "cannot load the master key " + master_key_path(cfg).string() +
                                      ": " + key.error().message);
  }
  return std::move(*key);
}

double seconds_of(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<alarms::Webhook>> make_webhook(const CertmgrConfig& cfg,
                                                      const log::Logger& log,
                                                      metrics::Registry& registry) {
  if (cfg.alarm_webhook_url.empty()) return std::unique_ptr<alarms::Webhook>();
  std::string trust;
  if (!cfg.alarm_webhook_ca_file.empty()) {
    std::ifstream in(cfg.alarm_webhook_ca_file, std::ios::binary);
    if (!in) {
      return fail(Errc::kInvalidArgument,
                  "cannot read --alarm-webhook-ca-file " + cfg.alarm_webhook_ca_file);
    }
    trust.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else if (cfg.alarm_webhook_url.rfind("https://", 0) == 0) {
    return fail(Errc::kInvalidArgument,
                "an https --alarm-webhook-url needs --alarm-webhook-ca-file");
  }
  return std::make_unique<alarms::Webhook>(cfg.alarm_webhook_url, std::move(trust), log,
                                           registry);
}

Result<SchedulerOptions> scheduler_options(const CertmgrConfig& cfg) {
  SchedulerOptions o;
  o.renew_lead = std::chrono::hours(24 * cfg.renew_lead_days);
  o.prepublish_delay = std::chrono::hours(cfg.prepublish_hours);
  o.signing_key_type = key_type_of(cfg.signing_key_type);
  o.signing_validity = std::chrono::hours(24 * cfg.signing_validity_days);
  o.ca.key_type = key_type_of(cfg.ca_key_type);
  if (cfg.tls.bootstrap_server_cert == "self-signed") {
    tls::SelfSignedRequest r;
    r.subject.common_name = cfg.tls.sts_hostname;
    r.subject.country = cfg.tls.server_cert_country;
    for (char& c : r.subject.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    r.dns_names.push_back(cfg.tls.sts_hostname);
    if (cfg.tls.sts_hostname != "localhost") r.dns_names.push_back("localhost");
    o.default_server_cert = std::move(r);
  }
  if (o.renew_lead >= o.signing_validity) {
    return fail(Errc::kInvalidArgument,
                "--renew-lead-days must be shorter than --signing-validity-days");
  }
  return o;
}

CertmgrApp::CertmgrApp(const CertmgrConfig& cfg, const log::Logger& log,
                       crypto::MasterKey&& master_key)
    : cfg_(cfg), log_(log), master_key_(std::move(master_key)) {}

CertmgrApp::~CertmgrApp() { stop(); }

Result<std::unique_ptr<CertmgrApp>> CertmgrApp::create(const CertmgrConfig& cfg,
                                                       service::ServiceHost& host,
                                                       const log::Logger& log) {
  SIGIL_TRY(crypto::MasterKey master_key, open_master_key(cfg));
  SIGIL_TRY(SchedulerOptions options, scheduler_options(cfg));
  if (cfg.allow_time_travel) {
    log.warn("config.time_travel_allowed",
             {{"detail", "--allow-time-travel: system-tenant administrators may run real "
                         "scheduler passes at any time through the admin API; a testing tool"}});
  }
  const ca::CaOptions peer_ca = options.ca;  // the peer client certificate's issuer
  std::unique_ptr<CertmgrApp> app(new CertmgrApp(cfg, log, std::move(master_key)));
  db::PoolOptions pool;
  pool.max_connections = 8;
  app->pool_ = std::make_unique<db::ConnectionPool>(cfg.data.db, pool);
  alarms::webhook_deliveries(host.registry());
  SIGIL_TRY(app->webhook_, make_webhook(cfg, log, host.registry()));
  if (app->webhook_) {
    options.on_alarm = [w = app->webhook_.get()](const PassEvent& e, TimePoint at) {
      w->deliver(e, at);
    };
  }
  app->scheduler_ = std::make_unique<Scheduler>(*app->pool_, app->master_key_, log,
                                                host.registry(), std::move(options));
  metrics::Registry& reg = host.registry();
  app->leader_gauge_ = &reg.gauge("sigil_certmgr_leader",
                                  "1 while this certmgr process is the leader that runs the "
                                  "scheduler, else 0.")
                            .with();
  CertmgrApp* self = app.get();
  reg.gauge_callback("sigil_signing_cert_not_after_timestamp_seconds",
                     "Expiry (Unix time) of every signing certificate in a key set that is not "
                     "retired.",
                     {"tenant", "key_id", "state"}, [self] {
                       std::lock_guard lock(self->snapshot_mu_);
                       return self->cert_not_after_;
                     });
  reg.gauge_callback("sigil_cert_alarm_active",
                     "Open certificate alarms, by tenant (\"\" for deployment-wide), kind and "
                     "severity.",
                     {"tenant", "kind", "severity"}, [self] {
                       std::lock_guard lock(self->snapshot_mu_);
                       return self->alarms_active_;
                     });
  reg.gauge_callback("sigil_server_cert_not_after_timestamp_seconds",
                     "Expiry (Unix time) of each active TLS server certificate, by hostname "
                     "(\"\" = the default certificate).",
                     {"tenant", "hostname"}, [self] {
                       std::lock_guard lock(self->snapshot_mu_);
                       return self->server_not_after_;
                     });
  reg.gauge_callback("sigil_ca_not_after_timestamp_seconds",
                     "Expiry (Unix time) of the built-in CA certificate.", {"ca"}, [self] {
                       std::lock_guard lock(self->snapshot_mu_);
                       return self->ca_not_after_;
                     });
  peers::PeerSyncOptions peer_options;
  peer_options.conninfo = cfg.data.db;
  peer_options.hostname = cfg.tls.hostname;
  peer_options.ca = peer_ca;
  app->peer_sync_ = std::make_unique<peers::PeerSync>(*app->pool_, app->master_key_, app->clock_,
                                                      log, reg, std::move(peer_options));
  if (!cfg.service.listen.empty()) SIGIL_TRY_VOID(app->build_admin_server(host));
  return app;
}

Result<void> CertmgrApp::build_admin_server(service::ServiceHost& host) {
  SIGIL_TRY(xmlsec_, xml::XmlSecLibrary::create());
  SIGIL_TRY(service::ServerCertificate cert,
            service::load_or_create_server_certificate(cfg_.data.home, cfg_.tls.cert_file,
                                                       cfg_.tls.key_file, cfg_.tls.hostname,
                                                       clock_, log_));
  crypto::ServerTlsConfig tls = service::server_tls_config(cert);
  tls.client_cert_mode = crypto::ClientCertMode::kOptional;
  tls.clock = &clock_;
  SIGIL_TRY(crypto::SslCtxPtr context, crypto::make_server_tls_context(tls));
  admin::AdminDeps deps;
  deps.cfg = &cfg_;
  deps.pool = pool_.get();
  deps.master_key = &master_key_;
  deps.clock = &clock_;
  deps.log = &log_;
  deps.metrics = &host.registry();
  admin_api_ = std::make_unique<admin::AdminApi>(deps);
  http::Router router;
  admin_api_->add_routes(router);
  peer_sync_->add_routes(router);
  http::ServerLimits limits = service::listener_limits(cfg_.service);
  limits.reserved_connections = static_cast<std::size_t>(cfg_.reserved_connections);
  admin_server_ = std::make_unique<http::Server>(host.runtime(), "admin", limits,
                                                 std::move(router), log_,
                                                 &host.request_observer());
  // Operators and peers by address: the reserve is decided at accept, before the TLS
  // handshake a flood of idle connections would hold up (docs/operations.md).
  SIGIL_TRY(std::vector<http::Cidr> reserved, http::parse_cidrs(cfg_.reserved_clients));
  admin_server_->set_reserved_clients(
      [reserved = std::move(reserved)](const boost::asio::ip::address& peer) {
        return http::contains(reserved, peer);
      });
  http::TlsOptions tls_options;
  tls_options.context = std::move(context);
  SIGIL_TRY(auto endpoint, admin_server_->listen(cfg_.service.listen, std::move(tls_options)));
  (void)endpoint;
  return {};
}

void CertmgrApp::start() {
  if (thread_.joinable()) return;
  if (admin_server_) admin_server_->start();
  peer_sync_->start();
  thread_ = std::thread([this] { loop(); });
}

void CertmgrApp::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (admin_server_) admin_server_->stop();
  if (thread_.joinable()) thread_.join();
  if (peer_sync_) peer_sync_->stop();
}

bool CertmgrApp::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void CertmgrApp::refresh_metrics() {
  auto r = db::transact(*pool_, "certmgr.metrics", [&](pqxx::dbtransaction& tx) -> Result<void> {
    std::vector<metrics::GaugeSample> certs;
    for (const auto& row : tx.exec(
             "SELECT t.name, k.key_id, k.state, extract(epoch FROM k.not_after)::float8 FROM "
             "signing_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.state <> 'retired' "
             "ORDER BY t.name, k.key_id")) {
      certs.push_back({{{"tenant", row[0].as<std::string>()},
                        {"key_id", row[1].as<std::string>()},
                        {"state", row[2].as<std::string>()}},
                       row[3].as<double>()});
    }
    std::map<std::tuple<std::string, std::string, std::string>, double> counts;
    SIGIL_TRY(std::vector<db::AlarmRow> open, db::AlarmStore(tx).list(false));
    for (const auto& a : open) counts[{a.tenant, a.kind, a.severity}] += 1;
    std::vector<metrics::GaugeSample> alarms;
    for (const auto& [k, n] : counts) {
      alarms.push_back({{{"tenant", std::get<0>(k)}, {"kind", std::get<1>(k)},
                         {"severity", std::get<2>(k)}},
                        n});
    }
    std::vector<metrics::GaugeSample> servers;
    SIGIL_TRY(std::vector<db::ServerCertExpiry> server_certs,
              db::AlarmStore(tx).active_server_certs());
    for (const auto& c : server_certs) {
      servers.push_back({{{"tenant", ""}, {"hostname", c.hostname}}, seconds_of(c.not_after)});
    }
    std::vector<metrics::GaugeSample> cas;
    SIGIL_TRY(std::optional<db::CaRow> ca, db::CaStore(tx).active());
    if (ca) cas.push_back({{{"ca", "ca-" + ca->certificate_sha256.substr(0, 16)}}, seconds_of(ca->not_after)});
    std::lock_guard lock(snapshot_mu_);
    cert_not_after_ = std::move(certs);
    alarms_active_ = std::move(alarms);
    ca_not_after_ = std::move(cas);
    server_not_after_ = std::move(servers);
    return {};
  });
  if (!r) log_.warn("metrics.refresh_failed", {{"message", r.error().message}});
}

void CertmgrApp::loop() {
  std::unique_ptr<pqxx::connection> lock_conn;
  bool leader = false;
  bool standby_logged = false;
  auto next_pass = std::chrono::steady_clock::now();
  auto next_metrics = std::chrono::steady_clock::now();
  const auto interval = std::chrono::seconds(cfg_.pass_interval_s);
  while (true) {
    {
      std::lock_guard lock(stop_mu_);
      if (stopping_) break;
    }
    try {
      if (!lock_conn) {
        auto c = db::connect(cfg_.data.db);
        if (c) lock_conn = std::move(*c);
      }
      if (lock_conn) {
        pqxx::nontransaction tx(*lock_conn);
        if (!leader) {
          leader = tx.exec_params1("SELECT pg_try_advisory_lock($1)", db::kCertmgrLeaderLock)[0]
                       .as<bool>();
          if (leader) {
            log_.info("leader.acquired", {{"backend_pid", lock_conn->backendpid()}});
            leader_gauge_->set(1);
            next_pass = std::chrono::steady_clock::now();
          } else if (!standby_logged) {
            log_.info("leader.standby", {{"retry_s", kStandbyRetry.count()}});
            standby_logged = true;
          }
        } else {
          (void)tx.exec("SELECT 1");  // still holding the session (and so the lock)?
        }
      }
    } catch (...) {
      Error e = db::current_db_error("certmgr leadership");
      if (leader) log_.warn("leader.lost", {{"message", e.message}});
      leader = false;
      standby_logged = false;
      leader_gauge_->set(0);
      lock_conn.reset();
    }
    peer_sync_->set_leader(leader);
    const auto now = std::chrono::steady_clock::now();
    if (leader && now >= next_pass) {
      auto report = scheduler_->run_pass(clock_.now(), false, true);
      if (!report) {
        log_.error("scheduler.pass_failed", {{"message", report.error().message}});
      } else {
        log_.info("scheduler.pass", {{"events", report->events.size()},
                                     {"failures", report->failures}});
      }
      next_pass = now + interval;
      next_metrics = now;  // show the pass's effect at once
    }
    if (now >= next_metrics) {
      refresh_metrics();
      next_metrics = now + kMetricsRefresh;
    }
    if (!sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(kStandbyRetry))) break;
  }
  if (lock_conn && leader) {
    try {
      pqxx::nontransaction(*lock_conn)
          .exec_params("SELECT pg_advisory_unlock($1)", db::kCertmgrLeaderLock);
    } catch (...) {
    }
    log_.info("leader.released", {});
  }
  leader_gauge_->set(0);
}

Result<void> check_pass_time(const CertmgrConfig& cfg, TimePoint at, TimePoint now,
                             bool dry_run) {
  if (dry_run || cfg.allow_time_travel) return {};
  if (at >= now - kPassTimeTolerance && at <= now + kPassTimeTolerance) return {};
  return fail(Errc::kInvalidTimeRange,
              "a real scheduler pass as of " + format_rfc3339(at) + ", more than " +
                  std::to_string(kPassTimeTolerance.count()) + " minutes from now (" +
                  format_rfc3339(now) +
                  "), is a testing tool: it would renew certificates and retire keys as of "
                  "that time; this certmgr refuses it unless started with --allow-time-travel "
                  "(SIGIL_CERTMGR_ALLOW_TIME_TRAVEL); a dry run previews any time; nothing "
                  "changed");
}

Result<PassReport> run_once(const CertmgrConfig& cfg, TimePoint at, bool dry_run,
                            const log::Logger& log) {
  SIGIL_TRY_VOID(check_pass_time(cfg, at, std::chrono::system_clock::now(), dry_run));
  SIGIL_TRY(crypto::MasterKey master_key, open_master_key(cfg));
  SIGIL_TRY(SchedulerOptions options, scheduler_options(cfg));
  options.actor = dry_run ? "sigil-certmgr run-once --dry-run" : "sigil-certmgr run-once";
  db::ConnectionPool pool(cfg.data.db, db::PoolOptions{});
  metrics::Registry registry;
  SIGIL_TRY(std::unique_ptr<alarms::Webhook> webhook, make_webhook(cfg, log, registry));
  if (webhook) {
    options.on_alarm = [w = webhook.get()](const PassEvent& e, TimePoint t) { w->deliver(e, t); };
  }
  Scheduler scheduler(pool, master_key, log, registry, std::move(options));
  return scheduler.run_pass(at, dry_run);
}

std::string describe(const PassReport& report, bool json) {
  if (json) {
    boost::json::array events;
    for (const auto& e : report.events) {
      events.push_back({{"tenant", e.tenant}, {"action", e.action}, {"subject", e.subject},
                        {"detail", e.detail}});
    }
    boost::json::object out{{"at", format_rfc3339(report.at)},
                            {"dry_run", report.dry_run},
                            {"failures", report.failures},
                            {"events", std::move(events)}};
    return boost::json::serialize(out) + "\n";
  }
  std::string out = std::string(report.dry_run ? "dry run" : "pass") + " as of " +
                    format_rfc3339(report.at) + ": " + std::to_string(report.events.size()) +
                    " event(s), " + std::to_string(report.failures) + " failure(s)\n";
  for (const auto& e : report.events) {
    out += "  " + (e.tenant.empty() ? std::string("-") : e.tenant) + "  " + e.action + "  " +
           e.subject + "  " + e.detail + "\n";
  }
  return out;
}

}  // namespace sigil::certmgr
