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
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = !last_ || last_->ready != r.ready;
    last_ = r;
    last_at_ = clock_.now();
    in_flight_ = false;
  }
  ready_gauge_.set(r.ready ? 1 : 0);
  if (!r.ready && pool_) failures_.inc();
  if (!changed) return;
  if (r.ready) {
    logger_.info("readiness.changed", {{"ready", true}});
  } else {
    logger_.warn("readiness.changed", {{"ready", false}, {"reason", r.reason}});
  }
}

net::awaitable<Readiness> ReadinessProbe::check() {
  {
    std::lock_guard lock(mu_);
    if (last_ && clock_.now() - last_at_ < cache_for_) co_return *last_;
    if (in_flight_) co_return last_.value_or(Readiness{false, "readiness check in progress"});
    in_flight_ = true;
  }
  Readiness r =
      co_await http::run_blocking(runtime_.blocking(), [this] { return probe_database(); });
  record(r);
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
