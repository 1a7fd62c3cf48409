// Connections, the pool and transact() against a real server: timeouts, broken connections,
// retried serialization failures.

#include "sigil/db/connection.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/transaction>

#include "db_test_util.hpp"
#include "sigil/db/errors.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::db::ConnectionPool;
using sigil::db::PoolOptions;
using sigil::db::transact;
using namespace sigil::db::test_util;
using namespace std::chrono_literals;

class ConnectionTest : public sigil::testing::PgTest {
 protected:
  std::unique_ptr<ConnectionPool> make_pool(std::size_t size) {
    return std::make_unique<ConnectionPool>(conninfo(), PoolOptions{size, 2000ms});
  }
};

TEST_F(ConnectionTest, PoolReturnsUnavailableWhenNoConnectionFreesUpInTime) {
  auto pool = make_pool(1);
  auto held = pool->acquire();
  ASSERT_TRUE(held) << held.error();
  const auto start = std::chrono::steady_clock::now();
  auto second = pool->acquire(100ms);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kUnavailable);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(ConnectionTest, PoolHandsAReturnedConnectionToAWaiter) {
  auto pool = make_pool(1);
  std::optional<sigil::Result<sigil::db::PooledConnection>> held(pool->acquire());
  ASSERT_TRUE(*held);
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = pool->acquire(5s).has_value(); });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(got);
  held.reset();  // returns the connection
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(pool->open_connections(), 1u);
  EXPECT_EQ(pool->idle_connections(), 1u);
}

TEST_F(ConnectionTest, UnreachableServerIsUnavailable) {
  auto& env = sigil::testing::PgEnvironment::instance();
  auto conn = sigil::db::connect("host=" + env.socket_dir() +
                                 " port=1 user=postgres "
                                 "dbname=postgres connect_timeout=2");
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().code, Errc::kUnavailable);
}

// A backend killed under us (failover, pg_terminate_backend, a restart) is kUnavailable, and
// the pool replaces the connection instead of handing the corpse out again.
TEST_F(ConnectionTest, TerminatedConnectionIsUnavailableAndReplaced) {
  auto pool = make_pool(1);
  int victim = 0;
  {
    auto lease = pool->acquire();
    ASSERT_TRUE(lease);
    victim = (*lease)->backendpid();
  }
  auto killer = sigil::db::connect(conninfo());
  ASSERT_TRUE(killer);
  auto killed = query_text(**killer, "SELECT pg_terminate_backend(" + std::to_string(victim) + ")");
  ASSERT_TRUE(killed) << killed.error();
  ASSERT_EQ(*killed, "t");

  auto broken = transact(*pool, "select after terminate", [](pqxx::dbtransaction& tx) {
    return sigil::Result<std::string>(tx.exec1("SELECT 'x'")[0].as<std::string>());
  });
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Errc::kUnavailable) << broken.error();
  EXPECT_EQ(pool->open_connections(), 0u);

  auto healed = transact(*pool, "select after reconnect", [](pqxx::dbtransaction& tx) {
    return sigil::Result<int>(tx.conn().backendpid());
  });
  ASSERT_TRUE(healed) << healed.error();
  EXPECT_NE(*healed, victim);
}

// The first attempt loses a write-write race under REPEATABLE READ (SQLSTATE 40001);
// transact() runs the function again and the second attempt commits.
TEST_F(ConnectionTest, SerializationFailureIsRetried) {
  auto pool = make_pool(2);
  auto other = sigil::db::connect(conninfo());
  ASSERT_TRUE(other);
  ASSERT_TRUE(exec_sql(**other, "CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)"));
  int attempts = 0;
  auto r = transact(*pool, "increment",
                    [&](pqxx::dbtransaction& tx) -> sigil::Result<int> {
                      ++attempts;
                      const int n =
                          tx.exec1("SELECT n FROM counter")[0].as<int>();  // takes the snapshot
                      if (attempts == 1) {
                        EXPECT_TRUE(exec_sql(**other, "UPDATE counter SET n = n + 100"));
                      }
                      tx.exec("UPDATE counter SET n = n + 1");
                      return n;
                    },
                    {sigil::db::Isolation::kRepeatableRead, 3});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(*r, 100);
  auto n = query_text(**other, "SELECT n FROM counter");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, "101");
}

TEST_F(ConnectionTest, SerializationFailureAfterTheLastAttemptIsConflict) {
  auto pool = make_pool(2);
  auto other = sigil::db::connect(conninfo());
  ASSERT_TRUE(other);
  ASSERT_TRUE(exec_sql(**other, "CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)"));
  int attempts = 0;
  auto r = transact(*pool, "increment",
                    [&](pqxx::dbtransaction& tx) -> sigil::Result<void> {
                      ++attempts;
                      tx.exec("SELECT n FROM counter");
                      EXPECT_TRUE(exec_sql(**other, "UPDATE counter SET n = n + 100"));
                      tx.exec("UPDATE counter SET n = n + 1");
                      return {};
                    },
                    {sigil::db::Isolation::kRepeatableRead, 2});
  ASSERT_FALSE(r);
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_TRUE(sigil::db::is_retryable(r.error())) << r.error();
}

TEST_F(ConnectionTest, ErrorReturnedByTheFunctionRollsBack) {
  auto pool = make_pool(1);
  auto r = transact(*pool, "half done", [](pqxx::dbtransaction& tx) -> sigil::Result<void> {
    tx.exec("CREATE TABLE half_done (id int)");
    return sigil::fail(Errc::kInvalidArgument, "changed my mind");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  auto conn = sigil::db::connect(conninfo());
  ASSERT_TRUE(conn);
  auto exists = query_text(**conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'");
  ASSERT_TRUE(exists);
  EXPECT_EQ(*exists, "0");
}

}  // namespace
