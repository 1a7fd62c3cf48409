// Migrations against a real PostgreSQL: from zero, idempotent, concurrent, tamper-evident.

#include "sigil/db/migrations.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::db::EmbeddedMigration;
using sigil::db::test_util::exec_sql;
using sigil::db::test_util::query_text;
using sigil::testing::PgEnvironment;

std::vector<int> all_versions() {
  std::vector<int> versions;
  for (const EmbeddedMigration& m : sigil::db::embedded_migrations()) versions.push_back(m.version);
  return versions;
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conninfo_ = PgEnvironment::instance().empty_database();
    ASSERT_FALSE(conninfo_.empty());
    auto conn = sigil::db::connect(conninfo_);
    ASSERT_TRUE(conn) << conn.error();
    conn_ = std::move(conn).value();
  }
  std::string conninfo_;
  std::unique_ptr<pqxx::connection> conn_;
};

TEST_F(MigrationsTest, ApplyEveryVersionFromZeroAndRecordThem) {
  auto report = sigil::db::migrate(conninfo_);
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->applied, all_versions());
  EXPECT_EQ(report->schema_version, static_cast<int>(all_versions().size()));

  auto recorded = query_text(*conn_,
                             "SELECT string_agg(version || ':' || name || ':' || checksum,"
                             " ',' ORDER BY version) FROM schema_migrations");
  ASSERT_TRUE(recorded) << recorded.error();
  const EmbeddedMigration& first = sigil::db::embedded_migrations()[0];
  EXPECT_TRUE(recorded->starts_with("1:" + std::string(first.name) + ":" +
                                    sigil::db::migration_checksum(first.sql)))
      << *recorded;
  auto tables = query_text(*conn_,
                           "SELECT string_agg(tablename, ' ' ORDER BY tablename) "
                           "FROM pg_tables WHERE schemaname = 'public'");
  ASSERT_TRUE(tables) << tables.error();
  EXPECT_EQ(*tables,
            "alarms audit_log bundle_trusted_signers ca_certificates change_log issued_tokens "
            "login_failures peers schema_migrations server_certificates signing_keys "
            "solution_users tenant_hostnames tenants users");
}

TEST_F(MigrationsTest, SecondRunAppliesNothing) {
  ASSERT_TRUE(sigil::db::migrate(*conn_));
  auto again = sigil::db::migrate(*conn_);
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->schema_version, static_cast<int>(all_versions().size()));
  auto rows = query_text(*conn_, "SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, std::to_string(all_versions().size()));
}

// Two processes (think: two replicas starting at once) migrate the same empty database.
// The advisory lock makes one wait for the other; both succeed and the schema exists once.
TEST_F(MigrationsTest, TwoProcessesMigratingAtOnceBothSucceedAndApplyOnce) {
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      (void)!::read(gate[0], &byte, 1);  // released together when the parent closes the pipe
      auto report = sigil::db::migrate(conninfo_);
      ::_exit(report ? (report->applied.empty() ? 10 : 0) : 1);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  std::vector<int> codes;
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    codes.push_back(WEXITSTATUS(status));
  }
  // One child applied everything (0), the other found it done (10).
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<int>{0, 10}));
  auto rows = query_text(*conn_, "SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(rows) << rows.error();
  EXPECT_EQ(*rows, std::to_string(all_versions().size()));
}

TEST_F(MigrationsTest, ChangedChecksumIsRefusedAndNothingChanges) {
  ASSERT_TRUE(sigil::db::migrate(*conn_));
  ASSERT_TRUE(
      exec_sql(*conn_, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"));
  auto r = sigil::db::migrate(*conn_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_NE(r.error().message.find("append-only"), std::string::npos) << r.error();
  auto checksum = query_text(*conn_, "SELECT checksum FROM schema_migrations WHERE version = 1");
  ASSERT_TRUE(checksum);
  EXPECT_EQ(*checksum, "edited");
}

TEST_F(MigrationsTest, DatabaseNewerThanTheBinaryIsRefused) {
  ASSERT_TRUE(sigil::db::migrate(*conn_));
  const int future = static_cast<int>(all_versions().size()) + 1;
  ASSERT_TRUE(exec_sql(*conn_, "INSERT INTO schema_migrations (version, name, checksum) VALUES (" +
                                   std::to_string(future) + ", 'future.sql', 'x')"));
  auto r = sigil::db::migrate(*conn_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_NE(r.error().message.find("newer than this binary"), std::string::npos) << r.error();
}

// One transaction per run: a failing migration leaves no trace of the ones before it.
TEST_F(MigrationsTest, FailingMigrationRollsBackTheWholeRun) {
  const EmbeddedMigration broken[] = {
      {1, "001_ok.sql", "CREATE TABLE first_table (id int);"},
      {2, "002_broken.sql", "CREATE TABLE second_table (id int;"},
  };
  auto r = sigil::db::migrate(*conn_, broken);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_NE(r.error().message.find("002_broken.sql"), std::string::npos) << r.error();
  EXPECT_NE(r.error().detail.find("SQLSTATE 42601"), std::string::npos) << r.error();
  auto tables = query_text(*conn_,
                           "SELECT count(*) FROM pg_tables WHERE tablename IN "
                           "('first_table', 'schema_migrations')");
  ASSERT_TRUE(tables) << tables.error();
  EXPECT_EQ(*tables, "0");
}

TEST_F(MigrationsTest, MigrationListWithAGapIsRefused) {
  const EmbeddedMigration gap[] = {{1, "001_a.sql", "SELECT 1;"}, {3, "003_c.sql", "SELECT 1;"}};
  auto r = sigil::db::migrate(*conn_, gap);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

}  // namespace
