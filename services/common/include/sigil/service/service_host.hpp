#pragma once
// What sigil-sts and sigil-certmgr share at run time: the threads (IoRuntime), the metrics
// Registry, the metrics/health listener, signal handling and the lifecycle log lines.
//
//   ServiceHost host(kProgram.name, cfg->data, cfg->service, *logger);
//   if (auto r = host.start(); !r) return failure(kProgram, r.error());   // exit 1
//   host.wait_for_signal();                                              // SIGTERM / SIGINT
//   host.stop();                                                         // graceful
//
// Logs: `event=listener.started listener=metrics addr=HOST:PORT` (the bound port; tests and
// quickstart read it), `event=service.started version=...`, `event=service.stopping signal=...`,
// `event=service.stopped`.
//
// Thread-safety: construct, start, wait_for_signal and stop from main's thread. registry() and
// runtime() may be used from any thread.

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/signal_set.hpp>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/base/result.hpp"
#include "sigil/http/io_runtime.hpp"
#include "sigil/http/server.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/service/common_config.hpp"
#include "sigil/service/health.hpp"
#include "sigil/service/request_metrics.hpp"

namespace sigil::service {

/// The main listener's http::ServerLimits from `cfg`: capacity, per-address limit, pressure,
/// keep-alive and drain (docs/operations.md "Connection limits").
http::ServerLimits listener_limits(const ServiceConfig& cfg);

class ServiceHost {
 public:
  /// Catches SIGTERM and SIGINT from here on. `logger` must outlive the host.
  ServiceHost(std::string_view binary, const DataConfig& data, const ServiceConfig& service,
              const log::Logger& logger);
  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  metrics::Registry& registry() { return registry_; }
  http::IoRuntime& runtime() { return runtime_; }
  /// Counts requests of any listener into sigil_request_duration_seconds and friends.
  http::ServerObserver& request_observer() { return request_metrics_; }
  /// /readyz: the database check, plus the conditions a service adds.
  ReadinessProbe& readiness() { return readiness_; }

  /// Starts the threads and the metrics listener. Fails with one clear message.
  Result<void> start();
  /// Blocks until SIGTERM or SIGINT arrives; returns the signal number.
  int wait_for_signal();
  /// Stops the listener gracefully, then the threads. Idempotent.
  void stop();

 private:
  const std::string binary_;
  const ServiceConfig service_;
  const log::Logger& logger_;
  SystemClock clock_;
  metrics::Registry registry_;
  RequestMetrics request_metrics_;
  http::IoRuntime runtime_;
  boost::asio::signal_set signals_;
  ReadinessProbe readiness_;
  std::unique_ptr<http::Server> metrics_server_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace sigil::service
