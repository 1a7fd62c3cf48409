#include "sigil/service/request_metrics.hpp"

namespace sigil::service {

RequestMetrics::RequestMetrics(metrics::Registry& registry)
    : duration_(registry.histogram("sigil_request_duration_seconds",
                                   "Time from the first byte of a request to the end of the "
                                   "response, by route pattern.",
                                   {"endpoint"})),
      rejected_(registry.counter("sigil_http_connections_rejected_total",
                                 "Connections closed at accept: the listener was full "
                                 "(connection_limit), the client address or its IPv6 /56 had "
                                 "its share (per_address_limit, per_site_limit), or the peer "
                                 "is not trusted "
                                 "(untrusted_peer).",
                                 {"listener", "reason"})),
      shed_(registry.counter("sigil_http_connections_shed_total",
                             "Idle connections (no TLS handshake yet, or waiting for a request) "
                             "closed to give their slot to a new connection.",
                             {"listener"})),
      pressure_timeouts_(registry.counter("sigil_http_pressure_timeouts_total",
                                          "Waits on a client (handshake, request, keep-alive) "
                                          "that ended at the shortened deadline of a listener "
                                          "under pressure.",
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

void RequestMetrics::on_connection_rejected(std::string_view listener, std::string_view reason) {
  rejected_.with({{"listener", listener}, {"reason", reason}}).inc();
}

void RequestMetrics::on_connection_shed(std::string_view listener) {
  shed_.with({{"listener", listener}}).inc();
}

void RequestMetrics::on_pressure_timeout(std::string_view listener) {
  pressure_timeouts_.with({{"listener", listener}}).inc();
}

void RequestMetrics::on_internal_error(std::string_view listener) {
  internal_errors_.with({{"listener", listener}}).inc();
}

void RequestMetrics::on_accept_failed(std::string_view listener) {
  accept_failures_.with({{"listener", listener}}).inc();
}

}  // namespace sigil::service
