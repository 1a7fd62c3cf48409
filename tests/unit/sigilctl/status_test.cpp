#include "sigilctl/status.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http_test_support.hpp"

namespace sigil::ctl {
namespace {

namespace net = boost::asio;
using http::bhttp::status;
using http::bhttp::verb;

// A fake metrics listener: healthy, and ready or not.
http::Router fake(bool ready) {
  http::Router r;
  r.add(verb::get, "/healthz", [](http::Request&) -> net::awaitable<http::Response> {
    co_return http::make_response(status::ok, "ok\n", http::kTextPlain);
  });
  r.add(verb::get, "/readyz", [ready](http::Request&) -> net::awaitable<http::Response> {
    if (ready) co_return http::make_response(status::ok, "ready\n", http::kTextPlain);
    co_return http::make_response(status::service_unavailable,
                                  "not ready: no database configured\n", http::kTextPlain);
  });
  return r;
}

TEST(Status, ProbeReportsHealthAndReadiness) {
  http::testing::TestServer up(fake(true));
  auto s = probe_service("sts", up.url("/"), 2000);  // a trailing slash is fine
  EXPECT_TRUE(s.healthy);
  EXPECT_TRUE(s.ready);
  EXPECT_EQ(s.healthz, "ok");
  EXPECT_EQ(s.readyz, "ready");
  http::testing::TestServer not_ready(fake(false));
  auto n = probe_service("certmgr", not_ready.url(""), 2000);
  EXPECT_TRUE(n.healthy);
  EXPECT_FALSE(n.ready);
  EXPECT_EQ(n.readyz, "HTTP 503: not ready: no database configured");
}

TEST(Status, TableIsAlignedAndJsonSaysWhetherAllIsWell) {
  std::vector<ServiceStatus> rows{{"sts", "http://a:1", true, true, "ok", "ready"},
                                  {"certmgr", "http://b:22", true, false, "ok", "HTTP 503"}};
  EXPECT_EQ(format_table(rows),
            "SERVICE  URL          HEALTHZ  READYZ\n"
            "sts      http://a:1   ok       ready\n"
            "certmgr  http://b:22  ok       HTTP 503\n");
  auto v = boost::json::parse(format_json(rows));
  EXPECT_FALSE(v.at("ok").as_bool());
  EXPECT_EQ(v.at("services").as_array().size(), 2u);
  rows[1].ready = true;
  EXPECT_TRUE(boost::json::parse(format_json(rows)).at("ok").as_bool());
}

}  // namespace
}  // namespace sigil::ctl
