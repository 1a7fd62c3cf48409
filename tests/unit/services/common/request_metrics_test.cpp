#include "sigil/service/request_metrics.hpp"

#include <gtest/gtest.h>

namespace sigil::service {
namespace {

TEST(RequestMetrics, ObservesLatencyByRoutePatternAndCountsRejectsAndErrors) {
  metrics::Registry registry;
  RequestMetrics m(registry);
  http::AccessRecord r;
  r.listener = "metrics";
  r.endpoint = "/sts/STSService/{tenant}";
  r.status = 200;
  r.duration_s = 0.004;
  m.on_request(r);
  r.duration_s = 2;
  m.on_request(r);
  m.on_connection_rejected("metrics", http::kRefusedConnectionLimit);
  m.on_connection_rejected("main", http::kRefusedPerAddressLimit);
  m.on_connection_shed("main");
  m.on_pressure_timeout("main");
  m.on_internal_error("main");
  m.on_accept_failed("main");
  std::string text = registry.expose();
  EXPECT_NE(text.find("sigil_request_duration_seconds_bucket{endpoint=\"/sts/STSService/"
                      "{tenant}\",le=\"0.005\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sigil_request_duration_seconds_count{endpoint=\"/sts/STSService/"
                      "{tenant}\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sigil_http_connections_rejected_total{listener=\"metrics\",reason=\""
                      "connection_limit\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sigil_http_connections_rejected_total{listener=\"main\",reason=\""
                      "per_address_limit\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sigil_http_connections_shed_total{listener=\"main\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sigil_http_pressure_timeouts_total{listener=\"main\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sigil_http_internal_errors_total{listener=\"main\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sigil_http_accept_failures_total{listener=\"main\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace sigil::service
