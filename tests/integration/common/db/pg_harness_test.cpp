// The test harness itself: the throw-away cluster, fresh databases, and the process helpers
// later integration tests use to run sigil-sts and sigil-certmgr.

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace {

using sigil::testing::PgEnvironment;
using sigil::testing::ProcessOptions;
using sigil::testing::run_process;
using sigil::testing::spawn_process;
using namespace sigil::db::test_util;
using namespace std::chrono_literals;

TEST(PgHarness, ClusterIsOwnedByThePostgresUserWhenRunAsRoot) {
  struct stat st {};
  ASSERT_EQ(::stat(PgEnvironment::instance().socket_dir().c_str(), &st), 0);
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(st.st_uid, pw->pw_uid);
  } else {
    EXPECT_EQ(st.st_uid, ::geteuid());
  }
}

TEST(PgHarness, ServerListensOnItsPortWithFsyncOff) {
  auto& env = PgEnvironment::instance();
  auto conn = sigil::db::connect("host=127.0.0.1 port=" + std::to_string(env.port()) +
                                 " user=postgres dbname=postgres");
  ASSERT_TRUE(conn) << conn.error();
  auto fsync = query_text(**conn, "SHOW fsync");
  ASSERT_TRUE(fsync) << fsync.error();
  EXPECT_EQ(*fsync, "off");
}

TEST(PgHarness, FreshDatabasesAreMigratedAndIndependent) {
  auto& env = PgEnvironment::instance();
  auto a = sigil::db::connect(env.fresh_database());
  auto b = sigil::db::connect(env.fresh_database());
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(create_tenant(**a, "only-in-a.example"));
  auto in_b = query_text(**b, "SELECT count(*) FROM tenants");
  ASSERT_TRUE(in_b) << in_b.error();
  EXPECT_EQ(*in_b, "0");
  auto versions = query_text(**b, "SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(versions) << versions.error();
  EXPECT_NE(*versions, "0");
}

TEST(Process, RunProcessCapturesStdoutStderrAndExitCode) {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(Process, RunProcessFeedsStdinAndPassesEnvironment) {
  ProcessOptions opts;
  opts.stdin_data = "hello";
  opts.env = {"SIGIL_TEST_VALUE=42"};
  auto r = run_process({"sh", "-c", "cat; printf \" $SIGIL_TEST_VALUE\""}, opts);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->out, "hello 42");
}

TEST(Process, RunProcessKillsAChildThatOverstaysItsTimeout) {
  ProcessOptions opts;
  opts.timeout = 100ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = run_process({"sleep", "30"}, opts);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->term_signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Process, MissingProgramIsAnError) {
  EXPECT_FALSE(run_process({"/nonexistent/sigil-no-such-program"}));
  EXPECT_FALSE(run_process({"sigil-no-such-program-in-path"}));
}

TEST(Process, SpawnedProcessCanBeSignalledAndWaitedFor) {
  auto dir = sigil::testing::TempDir::create();
  ASSERT_TRUE(dir) << dir.error();
  sigil::testing::SpawnOptions opts;
  opts.stdout_path = (dir->path() / "out.log").string();
  auto child = spawn_process({"sh", "-c", "echo started; exec sleep 30"}, opts);
  ASSERT_TRUE(child) << child.error();
  EXPECT_TRUE(child->running());
  EXPECT_FALSE(child->wait(50ms));  // still running
  ASSERT_TRUE(child->kill(SIGTERM));
  auto code = child->wait(5s);
  ASSERT_TRUE(code) << code.error();
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_FALSE(child->running());
  std::ifstream log(opts.stdout_path);
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "started");
}

TEST(TempDir, IsRemovedWithItsContents) {
  std::filesystem::path path;
  {
    auto dir = sigil::testing::TempDir::create();
    ASSERT_TRUE(dir) << dir.error();
    path = dir->path();
    std::filesystem::create_directories(path / "a" / "b");
    std::ofstream(path / "a" / "b" / "file") << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
