#include "sigil/service/service_host.hpp"

#include <csignal>
#include <future>

#include "sigil/http/address.hpp"
#include "sigil/service/cli.hpp"

namespace sigil::service {

ServiceHost::ServiceHost(std::string_view binary, const DataConfig& data,
                         const ServiceConfig& service, const log::Logger& logger)
    : binary_(binary),
      service_(service),
      logger_(logger),
      request_metrics_(registry_),
      runtime_(static_cast<unsigned>(service.threads), 0),
      signals_(runtime_.io(), SIGTERM, SIGINT),
      readiness_(data.db, runtime_, clock_, logger, registry_) {
  registry_
      .gauge("sigil_build_info", "Always 1; the labels say what is running.", {"binary", "version"})
      .with({{"binary", binary_}, {"version", version()}})
      .set(1);
}

ServiceHost::~ServiceHost() { stop(); }

Result<void> ServiceHost::start() {
  http::Router router;
  add_health_routes(router, readiness_, registry_);
  http::ServerLimits limits;
  limits.drain_timeout = std::chrono::milliseconds(service_.drain_timeout_ms);
  limits.max_connections = 256;  // scrapers and probes only
  metrics_server_ = std::make_unique<http::Server>(runtime_, "metrics", limits, std::move(router),
                                                   logger_, &request_metrics_);
  SIGIL_TRY_VOID(metrics_server_->listen(service_.metrics_listen));
  http::Server* server = metrics_server_.get();
  registry_.gauge_callback("sigil_http_open_connections",
                           "Open connections of the metrics "
                           "listener.",
                           [server] { return static_cast<double>(server->open_connections()); });
  runtime_.start();
  metrics_server_->start();
  started_ = true;
  logger_.info(
      "service.started",
      {{"binary", binary_}, {"version", version()}, {"io_threads", runtime_.io_threads()}});
  return {};
}

int ServiceHost::wait_for_signal() {
  std::promise<int> caught;
  signals_.async_wait([&caught](const boost::system::error_code& ec, int signal) {
    caught.set_value(ec ? 0 : signal);
  });
  int signal = caught.get_future().get();
  logger_.info("service.stopping", {{"signal", signal == SIGTERM  ? "SIGTERM"
                                               : signal == SIGINT ? "SIGINT"
                                                                  : "-"}});
  return signal;
}

void ServiceHost::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (metrics_server_) metrics_server_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  runtime_.stop();
  // metrics_server_ stays until destruction: the open-connections gauge points at it.
  if (started_) logger_.info("service.stopped", {{"binary", binary_}});
}

http::ServerLimits listener_limits(const ServiceConfig& cfg) {
  http::ServerLimits limits;
  limits.drain_timeout = std::chrono::milliseconds(cfg.drain_timeout_ms);
  limits.max_connections = static_cast<std::size_t>(cfg.max_connections);
  limits.max_connections_per_address = static_cast<std::size_t>(cfg.max_connections_per_address);
  limits.pressure_percent = static_cast<unsigned>(cfg.pressure_percent);
  limits.pressure_timeout = std::chrono::milliseconds(cfg.pressure_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(cfg.keepalive_timeout_ms);
  return limits;
}

}  // namespace sigil::service
