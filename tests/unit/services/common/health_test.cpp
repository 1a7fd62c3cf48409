#include "sigil/service/health.hpp"

#include <unistd.h>

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "sigil/http/address.hpp"
#include "sigil/http/client.hpp"
#include "sigil/http/server.hpp"

namespace sigil::service {
namespace {

namespace net = boost::asio;
using std::chrono::seconds;

std::string read_all(std::FILE* f) {
  std::string s;
  char buf[4096];
  for (off_t at = 0;;) {
    ssize_t n = pread(fileno(f), buf, sizeof buf, at);
    if (n <= 0) break;
    s.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return s;
}

size_t count(const std::string& haystack, std::string_view needle) {
  size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

std::string closed_port_conninfo() {
  net::io_context io;
  net::ip::tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
  return "host=127.0.0.1 port=" + std::to_string(a.local_endpoint().port()) + " dbname=x";
}

struct ProbeFixture {
  explicit ProbeFixture(std::string conninfo)
      : log_file(std::tmpfile()),
        logger(log::Format::kText, log::Level::kDebug, log_file),
        clock(TimePoint(seconds(1'700'000'000))),
        probe(std::move(conninfo), runtime, clock, logger, registry) {
    runtime.start();
  }
  ~ProbeFixture() {
    runtime.stop();
    std::fclose(log_file);
  }
  Readiness check() {
    std::promise<Readiness> p;
    net::co_spawn(runtime.io(), probe.check(),
                  [&p](const std::exception_ptr&, Readiness r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::FILE* log_file;
  log::Logger logger;
  ManualClock clock;
  metrics::Registry registry;
  http::IoRuntime runtime{1, 1};
  ReadinessProbe probe;
};

TEST(Readiness, WithoutADatabaseItIsNeverReady) {
  ProbeFixture f("");
  Readiness r = f.check();
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "no database configured");
  EXPECT_NE(f.registry.expose().find("sigil_ready 0\n"), std::string::npos);
}

TEST(Readiness, UnreachableDatabaseIsCachedCountedAndLoggedOncePerTransition) {
  ProbeFixture f(closed_port_conninfo());
  Readiness first = f.check();
  EXPECT_FALSE(first.ready);
  EXPECT_EQ(first.reason.rfind("database unreachable (", 0), 0u) << first.reason;
  EXPECT_EQ(first.reason.find("port="), std::string::npos) << "no conninfo in the reason";
  f.check();  // within the 1 s cache: no new attempt
  std::string metrics = f.registry.expose();
  EXPECT_NE(metrics.find("sigil_readiness_failures_total{check=\"database\"} 1\n"),
            std::string::npos)
      << metrics;
  f.clock.advance(seconds(2));
  f.check();
  EXPECT_NE(f.registry.expose().find("sigil_readiness_failures_total{check=\"database\"} 2\n"),
            std::string::npos);
  std::string log = read_all(f.log_file);
  EXPECT_EQ(count(log, "level=warn event=readiness.changed ready=false"), 1u) << log;
}

TEST(HealthRoutes, ServeLivenessReadinessAndMetrics) {
  ProbeFixture f("");
  http::Router router;
  add_health_routes(router, f.probe, f.registry);
  http::Server server(f.runtime, "metrics", {}, std::move(router), f.logger);
  auto ep = server.listen("127.0.0.1:0");
  ASSERT_TRUE(ep) << ep.error();
  server.start();
  std::string base = "http://" + http::format_endpoint(*ep);
  auto health = http::get(base + "/healthz");
  ASSERT_TRUE(health) << health.error();
  EXPECT_EQ(health->status, 200u);
  EXPECT_EQ(health->body, "ok\n");
  auto ready = http::get(base + "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503u);
  EXPECT_EQ(ready->body, "not ready: no database configured\n");
  auto metrics = http::get(base + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200u);
  EXPECT_EQ(metrics->content_type, http::kPrometheusText);
  EXPECT_NE(metrics->body.find("# TYPE sigil_ready gauge\n"), std::string::npos);
  server.stop();
}

}  // namespace
}  // namespace sigil::service
