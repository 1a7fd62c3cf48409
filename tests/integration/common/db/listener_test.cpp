// LISTEN/NOTIFY: a signing-key change reaches listeners on `sigil_keyset` after commit.

#include "sigil/db/listener.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/nontransaction>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::db::Listener;
using namespace sigil::db::test_util;
using namespace std::chrono_literals;

class ListenerTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    auto conn = sigil::db::connect(conninfo());
    ASSERT_TRUE(conn) << conn.error();
    conn_ = std::move(conn).value();
    auto listener = Listener::open(conninfo(), {"sigil_keyset"});
    ASSERT_TRUE(listener) << listener.error();
    listener_ = std::move(listener).value();
  }
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<Listener> listener_;
};

TEST_F(ListenerTest, SigningKeyChangeNotifiesKeysetChannelWithTheTenantName) {
  auto t = create_tenant(*conn_, "notify.example");
  ASSERT_TRUE(t) << t.error();
  auto none = listener_->wait(50ms);
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(none->has_value()) << "creating a tenant changes no key set";

  ASSERT_TRUE(insert_key(*conn_, test_key(t->id, "k1")));
  auto n = listener_->wait(5s);
  ASSERT_TRUE(n) << n.error();
  ASSERT_TRUE(n->has_value());
  EXPECT_EQ((*n)->channel, "sigil_keyset");
  EXPECT_EQ((*n)->payload, "notify.example");

  ASSERT_TRUE(activate_key(*conn_, t->id, "k1"));
  n = listener_->wait(5s);
  ASSERT_TRUE(n) << n.error();
  ASSERT_TRUE(n->has_value());
  EXPECT_EQ((*n)->payload, "notify.example");
}

// sts replicas take the token policy from their key set snapshot, so a policy change must bump
// the generation and notify like a key change (proto/sql/002); an UPDATE that changes no policy
// column (the signing_keys trigger's own bump) must not bump twice.
TEST_F(ListenerTest, PolicyChangeBumpsTheGenerationAndNotifies) {
  auto t = create_tenant(*conn_, "policy.example");
  ASSERT_TRUE(t) << t.error();
  auto generation = [&] {
    return pqxx::nontransaction(*conn_)
        .exec1("SELECT keyset_generation FROM tenants WHERE name = 'policy.example'")[0]
        .as<long>();
  };
  const long g0 = generation();
  pqxx::nontransaction(*conn_).exec(
      "UPDATE tenants SET max_bearer_lifetime_s = 60 WHERE name = 'policy.example'");
  EXPECT_EQ(generation(), g0 + 1);
  auto n = listener_->wait(5s);
  ASSERT_TRUE(n) << n.error();
  ASSERT_TRUE(n->has_value());
  EXPECT_EQ((*n)->payload, "policy.example");
  pqxx::nontransaction(*conn_).exec(
      "UPDATE tenants SET max_bearer_lifetime_s = 60 WHERE name = 'policy.example'");
  EXPECT_EQ(generation(), g0 + 1) << "an unchanged policy is no change";
  ASSERT_TRUE(insert_key(*conn_, test_key(t->id, "k1")));
  EXPECT_EQ(generation(), g0 + 2) << "a key change bumps exactly once";
}

TEST_F(ListenerTest, RolledBackChangeNotifiesNobody) {
  auto t = create_tenant(*conn_, "quiet.example");
  ASSERT_TRUE(t);
  auto r = sigil::db::transact(
      *conn_, "abandoned insert", [&](pqxx::dbtransaction& tx) -> sigil::Result<void> {
        SIGIL_TRY(auto row, sigil::db::SigningKeyStore(tx).insert(test_key(t->id, "k1")));
        return sigil::fail(Errc::kInternal, "abandon " + row.key_id);
      });
  ASSERT_FALSE(r);
  auto n = listener_->wait(200ms);
  ASSERT_TRUE(n) << n.error();
  EXPECT_FALSE(n->has_value());
}

TEST_F(ListenerTest, WaitTimesOutWithNothing) {
  const auto start = std::chrono::steady_clock::now();
  auto n = listener_->wait(100ms);
  ASSERT_TRUE(n) << n.error();
  EXPECT_FALSE(n->has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(ListenerTest, BrokenListenerConnectionIsUnavailable) {
  auto killed = query_text(
      *conn_, "SELECT pg_terminate_backend(" + std::to_string(listener_->backend_pid()) + ")");
  ASSERT_TRUE(killed) << killed.error();
  auto n = listener_->wait(5s);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::kUnavailable);
}

}  // namespace
