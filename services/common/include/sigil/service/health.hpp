#pragma once
// Liveness, readiness and metrics on the plain-HTTP metrics listener of both services:
//   GET /healthz  200 "ok" while the process serves requests
//   GET /readyz   200 "ready" when the database answers `SELECT 1` and every condition the
//                 service added (add_condition, e.g. sts: "key sets loaded") holds; 503
//                 "not ready: REASON" otherwise (or "no database configured"). The database
//                 answer is cached for `cache_for` (1 s) and only one check runs at a time, so
//                 probes and scrapes never pile connections onto PostgreSQL; conditions are
//                 cheap in-memory checks evaluated on every probe.
//   GET /metrics  Registry::expose(), text/plain; version=0.0.4
//
// Degraded mode (docs/reference/style.md §3, §8): losing the database logs
// `event=readiness.changed ready=false` at warn once per transition, sets gauge sigil_ready to 0
// and counts
// sigil_readiness_failures_total{check="database"} on every failed check.
//
// Thread-safety: check() may run concurrently from any connection coroutine.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

  /// Adds a condition of readiness: `holds` returns an empty string when it holds, else the
  /// reason shown by /readyz. Called on an I/O thread: it must be cheap and must not block.
  /// Add conditions before the metrics listener serves (before ServiceHost::start()) or from
  /// main's thread while it runs; `holds` must outlive the probe or be removed by clear.
  void add_condition(std::function<std::string()> holds);

 private:
  Readiness probe_database();  // blocking: runs on the blocking pool
  void record(const Readiness& r);
  Readiness apply_conditions(Readiness db);
  void report(const Readiness& r);

  http::IoRuntime& runtime_;
  const Clock& clock_;
  const log::Logger& logger_;
  const std::chrono::milliseconds cache_for_;
  std::unique_ptr<db::ConnectionPool> pool_;  // null without a database
  metrics::Gauge& ready_gauge_;
  metrics::Counter& failures_;

  std::mutex mu_;  // guards the fields below
  std::optional<Readiness> last_;  // the database's answer
  TimePoint last_at_{};
  bool in_flight_ = false;
  std::optional<bool> reported_;  // the last /readyz answer, for transition logs
  std::vector<std::function<std::string()>> conditions_;
};

/// Adds GET /healthz, /readyz and /metrics. `probe` and `registry` must outlive the router.
void add_health_routes(http::Router& router, ReadinessProbe& probe,
                       const metrics::Registry& registry);

}  // namespace sigil::service
