#pragma once
// The PostgreSQL fixture of the integration test binary: one throw-away cluster per binary
// (PgCluster), a `sigil_template` database with every migration applied, and a fresh database
// per test copied from it (`CREATE DATABASE test_<n> TEMPLATE sigil_template`, a file copy, so
// tests start from the schema in milliseconds and never see each other's rows).
//
//   class TenantStoreTest : public sigil::testing::PgTest {};
//   TEST_F(TenantStoreTest, CreatedTenantIsFoundByName) {
//     auto conn = sigil::db::connect(conninfo());  ...
//   }
//
// The binary's main() (sigil_test_support_main) installs the environment; gtest runs SetUp
// once before the first test and TearDown after the last, failed tests included. If SetUp
// fails, no test runs and the binary fails.
//
// Thread-safety: fresh_database() and the accessors may be called from any thread.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <pqxx/connection>

#include "sigil/testing/pg_cluster.hpp"

namespace sigil::testing {

class PgEnvironment : public ::testing::Environment {
 public:
  /// The name of the migrated template database.
  static constexpr std::string_view kTemplate = "sigil_template";

  PgEnvironment();
  ~PgEnvironment() override;

  void SetUp() override;
  void TearDown() override;

  /// The environment installed by main(). Aborts if there is none.
  static PgEnvironment& instance();

  /// Creates a new database from the template; its conninfo. On failure, records a gtest
  /// failure and returns "".
  std::string fresh_database();
  /// Creates a new, empty database (no schema), e.g. to test migrations from zero.
  std::string empty_database();

  std::string conninfo_for(std::string_view dbname) const;
  const std::string& socket_dir() const;
  int port() const;

 private:
  std::string create_database(std::string_view template_db);

  std::unique_ptr<PgCluster> cluster_;
  std::mutex mu_;  // guards admin_ and next_db_
  std::unique_ptr<pqxx::connection> admin_;
  int next_db_ = 0;
};

/// A test fixture that gets its own migrated database.
class PgTest : public ::testing::Test {
 protected:
  void SetUp() override;
  const std::string& conninfo() const noexcept { return conninfo_; }

 private:
  std::string conninfo_;
};

}  // namespace sigil::testing
