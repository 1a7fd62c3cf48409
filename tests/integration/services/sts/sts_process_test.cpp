// The real sigil-sts binary: command line, health/readiness/metrics listener, SIGTERM.
#include <gtest/gtest.h>

#include "service_process.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/http/client.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::testing {
namespace {

using std::chrono::milliseconds;

TEST(StsCommandLine, HelpListsEveryOptionAndExitsZero) {
  auto r = run_process({sts_binary(), "--help"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0);
  for (const char* flag : {"--db", "--home", "--master-key-file", "--listen", "--metrics-listen",
                           "--threads", "--log-format", "--log-level", "SIGIL_DB"}) {
    EXPECT_NE(r->out.find(flag), std::string::npos) << flag;
  }
}

TEST(StsCommandLine, VersionPrintsTheProjectVersion) {
  auto r = run_process({sts_binary(), "--version"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, std::string("sigil-sts ") + SIGIL_PROJECT_VERSION + "\n");
}

TEST(StsCommandLine, UnknownFlagExitsTwoWithOneLine) {
  auto r = run_process({sts_binary(), "--frobnicate"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_EQ(r->out, "");
  EXPECT_EQ(r->err, "sigil-sts: unknown flag --frobnicate (see --help)\n");
}

TEST(StsCommandLine, BadListenAddressExitsTwoWithOneLine) {
  auto r = run_process({sts_binary(), "--metrics-listen", "localhost"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_EQ(lines(r->err).size(), 1u) << r->err;
  EXPECT_NE(r->err.find("--metrics-listen"), std::string::npos);
}

TEST(StsCommandLine, PrintConfigRedactsTheDatabasePassword) {
  auto r = run_process({sts_binary(), "--print-config", "--db", "host=x password=hunter2"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_NE(r->out.find(R"x("db":"(redacted)")x"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("hunter2"), std::string::npos);
}

TEST(StsCommandLine, BusyMetricsPortIsAStartupErrorWithOneLine) {
  auto first = RunningService::start(sts_binary(), {});
  ASSERT_TRUE(first) << first.error();
  std::string addr = "127.0.0.1:" + std::to_string(first->port());
  auto r = run_process({sts_binary(), "--metrics-listen", addr});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 1);
  ASSERT_EQ(lines(r->err).size(), 1u) << r->err;
  EXPECT_EQ(r->err.rfind("sigil-sts: error: cannot listen on " + addr, 0), 0u) << r->err;
}

class StsService : public PgTest {};

// /readyz once it turns 200 (sts is ready only after its first key set load), or the last
// answer after `wait`.
Result<http::ClientResponse> ready_answer(const RunningService& sts,
                                          milliseconds wait = milliseconds(10000)) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (true) {
    auto r = http::get(sts.base_url() + "/readyz");
    if ((r && r->status == 200) || std::chrono::steady_clock::now() > until) return r;
    if (r && r->body != "not ready: signing key sets not loaded yet\n") return r;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

TEST_F(StsService, ServesHealthReadinessAndMetricsThenStopsCleanlyOnSigterm) {
  auto sts = RunningService::start(sts_binary(), {"--db", conninfo()});
  ASSERT_TRUE(sts) << sts.error();
  auto health = http::get(sts->base_url() + "/healthz");
  ASSERT_TRUE(health) << health.error();
  EXPECT_EQ(health->status, 200u);
  EXPECT_EQ(health->body, "ok\n");
  auto ready = ready_answer(*sts);
  ASSERT_TRUE(ready) << ready.error();
  EXPECT_EQ(ready->status, 200u) << ready->body;
  auto metrics = http::get(sts->base_url() + "/metrics");
  ASSERT_TRUE(metrics) << metrics.error();
  EXPECT_EQ(metrics->status, 200u);
  EXPECT_EQ(metrics->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics->body.find("sigil_request_duration_seconds_bucket{endpoint=\"/healthz\""),
            std::string::npos);
  EXPECT_NE(metrics->body.find("sigil_ready 1"), std::string::npos);
  auto check = promtool_check_metrics(metrics->body);
  ASSERT_TRUE(check) << check.error();
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err << metrics->body;
  EXPECT_EQ(check->out + check->err, "");

  auto start = std::chrono::steady_clock::now();
  auto code = sts->terminate(milliseconds(5000));
  ASSERT_TRUE(code) << code.error() << sts->log();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
  std::string log = sts->log();
  EXPECT_NE(log.find("event=service.started binary=sigil-sts version=" SIGIL_PROJECT_VERSION),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("event=listener.started listener=main"), std::string::npos) << log;
  EXPECT_NE(log.find("event=keyset.ready"), std::string::npos) << log;
  EXPECT_NE(log.find("event=http.access listener=metrics method=GET path=/readyz status=200"),
            std::string::npos);
  EXPECT_NE(log.find("event=service.stopped"), std::string::npos);
}

TEST(StsReadiness, NotReadyWithoutADatabase) {
  auto sts = RunningService::start(sts_binary(), {});
  ASSERT_TRUE(sts) << sts.error();
  auto ready = http::get(sts->base_url() + "/readyz");
  ASSERT_TRUE(ready) << ready.error();
  EXPECT_EQ(ready->status, 503u);
  EXPECT_EQ(ready->body, "not ready: no database configured\n");
  EXPECT_EQ(http::get(sts->base_url() + "/healthz")->status, 200u);
}

TEST(StsReadiness, NotReadyWhenTheDatabaseIsUnreachable) {
  std::string db =
      "host=127.0.0.1 port=" + std::to_string(closed_port()) + " dbname=sigil connect_timeout=2";
  auto sts = RunningService::start(sts_binary(), {"--db", db});
  ASSERT_TRUE(sts) << sts.error();
  auto ready = http::get(sts->base_url() + "/readyz");
  ASSERT_TRUE(ready) << ready.error();
  EXPECT_EQ(ready->status, 503u);
  EXPECT_EQ(ready->body.rfind("not ready: database unreachable", 0), 0u) << ready->body;
  auto metrics = http::get(sts->base_url() + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("sigil_ready 0"), std::string::npos);
  EXPECT_NE(metrics->body.find("sigil_readiness_failures_total{check=\"database\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(sts->log().find("level=warn event=readiness.changed ready=false"), std::string::npos);
  auto code = sts->terminate();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

// Runs SQL on the cluster's `postgres` database.
void admin_sql(const std::string& sql) {
  auto admin = db::connect(PgEnvironment::instance().conninfo_for("postgres"));
  ASSERT_TRUE(admin) << admin.error();
  auto r = db::execute_outside_transaction(**admin, sql, "test admin statement");
  ASSERT_TRUE(r) << r.error();
}

TEST(StsReadiness, TurnsNotReadyWhenTheDatabaseGoesAway) {
  admin_sql("CREATE DATABASE sts_readyz_gone TEMPLATE sigil_template");
  auto sts = RunningService::start(
      sts_binary(), {"--db", PgEnvironment::instance().conninfo_for("sts_readyz_gone")});
  ASSERT_TRUE(sts) << sts.error();
  ASSERT_EQ(ready_answer(*sts)->status, 200u);
  admin_sql("DROP DATABASE sts_readyz_gone WITH (FORCE)");
  std::this_thread::sleep_for(milliseconds(1100));  // past the 1 s readiness cache
  auto ready = http::get(sts->base_url() + "/readyz");
  ASSERT_TRUE(ready) << ready.error();
  EXPECT_EQ(ready->status, 503u);
  EXPECT_NE(ready->body.find("database unreachable"), std::string::npos) << ready->body;
  EXPECT_EQ(http::get(sts->base_url() + "/healthz")->status, 200u);  // alive, just not ready
}

}  // namespace
}  // namespace sigil::testing
