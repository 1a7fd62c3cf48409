#include "sigil/service/health.hpp"

#include <pqxx/transaction>

#include "sigil/db/connection.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::service {

namespace net = boost::asio;
using http::bhttp::status;

ReadinessProbe::ReadinessProbe(std::string conninfo, http::IoRuntime& runtime, const Clock& clock,
                               const log::Logger& logger, metrics::Registry& registry,
                               std::chrono::milliseconds cache_for)
    : runtime_(runtime),
      clock_(clock),
      logger_(logger),
      cache_for_(cache_for),
      ready_gauge_(registry.gauge("sigil_ready", "1 when /readyz answers 200, else 0.").with()),
      failures_(registry
                    .counter("sigil_readiness_failures_total",
                             "Readiness checks that failed, by check.", {"check"})
                    .with({{"check", "database"}})) {
  if (!conninfo.empty()) {
    // One connection: checks never overlap (single flight), and a probe must not take more.
    pool_ = std::make_unique<db::ConnectionPool>(
        std::move(conninfo), db::PoolOptions{1, std::chrono::milliseconds(2000)});
  }
}

ReadinessProbe::~ReadinessProbe() = default;

Readiness ReadinessProbe::probe_database() {
  if (!pool_) return {false, "no database configured"};
  auto r = db::transact(*pool_, "readiness probe", [](pqxx::dbtransaction& tx) -> Result<void> {
    (void)tx.exec("SELECT 1");
    return {};
  });
  if (!r) return {false, "database unreachable (" + r.error().message + ")"};
  return {true, ""};
}

void ReadinessProbe::record(const Readiness& r) {
  {
    std::lock_guard lock(mu_);
    last_ = r;
    last_at_ = clock_.now();
    in_flight_ = false;
  }
  if (!r.ready && pool_) failures_.inc();
}

void ReadinessProbe::add_condition(std::function<std::string()> holds) {
  std::lock_guard lock(mu_);
  conditions_.push_back(std::move(holds));
}

Readiness ReadinessProbe::apply_conditions(Readiness db) {
  if (!db.ready) return db;
  std::vector<std::function<std::string()>> conditions;
  {
    std::lock_guard lock(mu_);
    conditions = conditions_;
  }
  for (const auto& holds : conditions) {
    if (std::string reason = holds(); !reason.empty()) return {false, std::move(reason)};
  }
  return db;
}

void ReadinessProbe::report(const Readiness& r) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = !reported_ || *reported_ != r.ready;
    reported_ = r.ready;
  }
  ready_gauge_.set(r.ready ? 1 : 0);
  if (!changed) return;
  if (r.ready) {
    logger_.info("readiness.changed", {{"ready", true}});
  } else {
    logger_.warn("readiness.changed", {{"ready", false}, {"reason", r.reason}});
  }
}

net::awaitable<Readiness> ReadinessProbe::check() {
  std::optional<Readiness> cached;
  {
    std::lock_guard lock(mu_);
    if (last_ && clock_.now() - last_at_ < cache_for_) {
      cached = *last_;
    } else if (in_flight_) {
      cached = last_.value_or(Readiness{false, "readiness check in progress"});
    } else {
      in_flight_ = true;
    }
  }
  if (!cached) {
    cached = co_await http::run_blocking(runtime_.blocking(), [this] { return probe_database(); });
    record(*cached);
  }
  Readiness r = apply_conditions(std::move(*cached));
  report(r);
  co_return r;
}

void add_health_routes(http::Router& router, ReadinessProbe& probe,
                       const metrics::Registry& registry) {
  using http::bhttp::verb;
  router.add(verb::get, "/healthz", [](http::Request&) -> net::awaitable<http::Response> {
    co_return http::make_response(status::ok, "ok\n", http::kTextPlain);
  });
  router.add(verb::get, "/readyz", [&probe](http::Request&) -> net::awaitable<http::Response> {
    Readiness r = co_await probe.check();
    if (r.ready) co_return http::make_response(status::ok, "ready\n", http::kTextPlain);
    co_return http::make_response(status::service_unavailable, "not ready: " + r.reason + "\n",
                                  http::kTextPlain);
  });
  router.add(verb::get, "/metrics", [&registry](http::Request&) -> net::awaitable<http::Response> {
    co_return http::make_response(status::ok, registry.expose(), http::kPrometheusText);
  });
}

}  // namespace sigil::service
