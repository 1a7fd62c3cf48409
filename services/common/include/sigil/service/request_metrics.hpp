#pragma once
// The metrics side of http::ServerObserver: common/http does not know common/metrics
// (docs/reference/style.md §2), so the services connect the two here.
//   sigil_request_duration_seconds{endpoint}       histogram; endpoint = route pattern,
//                                                  "unmatched" (404/405) or "rejected" (4xx
//                                                  before routing)
//   sigil_http_connections_rejected_total{listener,reason}  closed at accept: connection_limit,
//                                                  per_address_limit, per_site_limit or
//                                                  untrusted_peer
//   sigil_http_connections_shed_total{listener}     idle connections closed to admit new ones
//   sigil_http_pressure_timeouts_total{listener}    waits on a client cut short under pressure
//   sigil_http_internal_errors_total{listener}       a handler or connection threw
//   sigil_http_accept_failures_total{listener}       accept() failed (e.g. EMFILE)
//
// Thread-safety: the observer methods are called concurrently from io threads.

#include "sigil/http/server.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::service {

class RequestMetrics final : public http::ServerObserver {
 public:
  explicit RequestMetrics(metrics::Registry& registry);

  void on_request(const http::AccessRecord& record) override;
  void on_connection_rejected(std::string_view listener, std::string_view reason) override;
  void on_connection_shed(std::string_view listener) override;
  void on_pressure_timeout(std::string_view listener) override;
  void on_internal_error(std::string_view listener) override;
  void on_accept_failed(std::string_view listener) override;

 private:
  metrics::HistogramFamily& duration_;
  metrics::CounterFamily& rejected_;
  metrics::CounterFamily& shed_;
  metrics::CounterFamily& pressure_timeouts_;
  metrics::CounterFamily& internal_errors_;
  metrics::CounterFamily& accept_failures_;
};

}  // namespace sigil::service
