#pragma once
// Liveness, readiness and metrics on the plain-HTTP metrics listener of both services:
//   GET /healthz  200 "ok" while the process serves requests
//   GET /readyz   200 "ready" when the database answers `SELECT 1`; 503 "not ready: REASON"
//                 otherwise (or "no database configured"). The answer is cached for
//                 `cache_for` (1 s) and only one check runs at a time, so probes and scrapes
//                 never pile connections onto PostgreSQL.
//   GET /metrics  Registry::expose(), text/plain; version=0.0.4
//
// Degraded mode (STYLE.md §3/§8): losing the database logs `event=readiness.changed ready=false`
// at warn once per transition, sets gauge sigil_ready to 0 and counts
// sigil_readiness_failures_total{check="database"} on every failed check.
//
// Thread-safety: check() may run concurrently from any connection coroutine.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/http/io_runtime.hpp"
#include "sigil/http/router.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::db {
class ConnectionPool;
}

namespace sigil::service {

struct Readiness {
  bool ready = false;
  std::string reason;  // empty when ready; safe to show (no conninfo, no SQLSTATE text)
};

class ReadinessProbe {
 public:
  /// An empty `conninfo` means no database: never ready.
  ReadinessProbe(std::string conninfo, http::IoRuntime& runtime, const Clock& clock,
                 const log::Logger& logger, metrics::Registry& registry,
                 std::chrono::milliseconds cache_for = std::chrono::seconds(1));
  ~ReadinessProbe();
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  /// The cached state, refreshed on the blocking pool when older than `cache_for`.
  boost::asio::awaitable<Readiness> check();

 private:
  Readiness probe_database();  // blocking: runs on the blocking pool
  void record(const Readiness& r);

  http::IoRuntime& runtime_;
  const Clock& clock_;
  const log::Logger& logger_;
  const std::chrono::milliseconds cache_for_;
  std::unique_ptr<db::ConnectionPool> pool_;  // null without a database
  metrics::Gauge& ready_gauge_;
  metrics::Counter& failures_;

  std::mutex mu_;  // guards the fields below
  std::optional<Readiness> last_;
  TimePoint last_at_{};
  bool in_flight_ = false;
};

/// Adds GET /healthz, /readyz and /metrics. `probe` and `registry` must outlive the router.
void add_health_routes(http::Router& router, ReadinessProbe& probe,
                       const metrics::Registry& registry);

}  // namespace sigil::service
