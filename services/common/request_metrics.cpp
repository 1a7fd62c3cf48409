#include "sigil/service/request_metrics.hpp"

namespace sigil::service {

RequestMetrics::RequestMetrics(metrics::Registry& registry)
    : duration_(registry.histogram("sigil_request_duration_seconds",
                                   "Time from the first byte of a request to the end of the "
                                   "response, by route pattern.",
                                   {"endpoint"})),
      rejected_(registry.counter("sigil_http_connections_rejected_total",
                                 "Connections closed at once because the listener was full.",
                                 {"listener"})),
      internal_errors_(registry.counter("sigil_http_internal_errors_total",
                                        "Requests or connections that ended in an internal "
                                        "error (a bug).",
                                        {"listener"})),
      accept_failures_(registry.counter("sigil_http_accept_failures_total",
                                        "accept() failures (e.g. out of file descriptors).",
                                        {"listener"})) {}

void RequestMetrics::on_request(const http::AccessRecord& record) {
  duration_.with({{"endpoint", record.endpoint}}).observe(record.duration_s);
}

void RequestMetrics::on_connection_rejected(std::string_view listener) {
  rejected_.with({{"listener", listener}}).inc();
}

void RequestMetrics::on_internal_error(std::string_view listener) {
  internal_errors_.with({{"listener", listener}}).inc();
}

void RequestMetrics::on_accept_failed(std::string_view listener) {
  accept_failures_.with({{"listener", listener}}).inc();
}

}  // namespace sigil::service
