// The real sigil-certmgr binary: command line, `migrate`, migrate-at-start, health, SIGTERM.
#include <gtest/gtest.h>

#include "service_process.hpp"
#include "sigil/db/migrations.hpp"
#include "sigil/http/client.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::testing {
namespace {

std::string schema_version() { return std::to_string(db::embedded_migrations().back().version); }

// Every embedded version joined with `sep`: "1, 2, 3" / "1,2,3".
std::string all_versions(std::string_view sep) {
  std::string out;
  for (const auto& m : db::embedded_migrations()) {
    out += (out.empty() ? "" : std::string(sep)) + std::to_string(m.version);
  }
  return out;
}

TEST(CertmgrCommandLine, HelpListsMigrateAndEveryOption) {
  auto r = run_process({certmgr_binary(), "--help"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0);
  for (const char* s : {"migrate", "--db", "--metrics-listen", "--listen", "--db-wait-s",
                        "SIGIL_CERTMGR_METRICS_LISTEN"}) {
    EXPECT_NE(r->out.find(s), std::string::npos) << s;
  }
}

TEST(CertmgrCommandLine, VersionAndUsageErrors) {
  auto v = run_process({certmgr_binary(), "--version"});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->out, std::string("sigil-certmgr ") + SIGIL_PROJECT_VERSION + "\n");
  auto flag = run_process({certmgr_binary(), "--nope"});
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->exit_code, 2);
  EXPECT_EQ(flag->err, "sigil-certmgr: unknown flag --nope (see --help)\n");
  auto cmd = run_process({certmgr_binary(), "frobnicate"});
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->exit_code, 2);
  EXPECT_EQ(cmd->err, "sigil-certmgr: unknown command 'frobnicate' (see --help)\n");
  auto nodb = run_process({certmgr_binary(), "migrate"});
  ASSERT_TRUE(nodb);
  EXPECT_EQ(nodb->exit_code, 2);
  EXPECT_EQ(nodb->err, "sigil-certmgr: migrate needs a database (--db or SIGIL_DB)\n");
}

TEST(CertmgrMigrate, AppliesEveryMigrationToAnEmptyDatabaseThenIsANoOp) {
  std::string db = PgEnvironment::instance().empty_database();
  auto first = run_process({certmgr_binary(), "migrate", "--db", db});
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->exit_code, 0) << first->err;
  EXPECT_EQ(first->out, "applied migrations " + all_versions(", ") + "; schema version " +
                            schema_version() + "\n");
  ProcessOptions with_env;
  with_env.env = {"SIGIL_DB=" + db};
  auto second = run_process({certmgr_binary(), "migrate"}, with_env);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->exit_code, 0) << second->err;
  EXPECT_EQ(second->out, "schema is up to date (version " + schema_version() + ")\n");
}

TEST(CertmgrMigrate, UnreachableDatabaseFailsWithOneLine) {
  std::string db = "host=127.0.0.1 port=" + std::to_string(closed_port()) + " dbname=x";
  auto r = run_process({certmgr_binary(), "migrate", "--db", db, "--db-wait-s", "0"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 1);
  ASSERT_EQ(lines(r->err).size(), 1u) << r->err;
  EXPECT_EQ(r->err.rfind("sigil-certmgr: error: ", 0), 0u) << r->err;
}

TEST(CertmgrService, MigratesAtStartServesHealthAndStopsCleanlyOnSigterm) {
  std::string db = PgEnvironment::instance().empty_database();
  auto svc = RunningService::start(certmgr_binary(), {"--db", db});
  ASSERT_TRUE(svc) << svc.error();
  EXPECT_NE(svc->log().find("event=db.migrated applied=" + all_versions(",") +
                            " schema_version=" + schema_version()),
            std::string::npos)
      << svc->log();
  EXPECT_EQ(http::get(svc->base_url() + "/healthz")->status, 200u);
  auto ready = http::get(svc->base_url() + "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200u) << ready->body;
  auto metrics = http::get(svc->base_url() + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("sigil_build_info{binary=\"sigil-certmgr\""), std::string::npos);
  auto check = promtool_check_metrics(metrics->body);
  ASSERT_TRUE(check) << check.error();
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
  auto code = svc->terminate();
  ASSERT_TRUE(code) << code.error();
  EXPECT_EQ(*code, 0);
  EXPECT_NE(svc->log().find("event=service.stopped binary=sigil-certmgr"), std::string::npos);
}

TEST(CertmgrService, SecondStartFindsTheSchemaUpToDate) {
  std::string db = PgEnvironment::instance().fresh_database();  // already migrated
  auto svc = RunningService::start(certmgr_binary(), {"--db", db});
  ASSERT_TRUE(svc) << svc.error();
  EXPECT_NE(svc->log().find("event=db.migrated applied=\"\" schema_version=" + schema_version()),
            std::string::npos)
      << svc->log();
  auto code = svc->terminate();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace sigil::testing
