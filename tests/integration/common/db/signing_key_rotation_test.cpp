// SigningKeyStore::insert_active and list_verifying: rotation in one transaction.

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/signing_key_store.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::TimePoint;
using sigil::db::SigningKeyState;
using sigil::db::SigningKeyStore;
using sigil::db::transact;
using namespace sigil::db::test_util;
using namespace std::chrono_literals;

class SigningKeyRotationTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<sigil::db::ConnectionPool>(conninfo(), sigil::db::PoolOptions{});
    auto t = transact(*pool_, "tenant", [](pqxx::dbtransaction& tx) {
      return sigil::db::TenantStore(tx).create("vsphere.local");
    });
    ASSERT_TRUE(t) << t.error();
    tenant_ = t->id;
  }

  std::unique_ptr<sigil::db::ConnectionPool> pool_;
  std::int64_t tenant_ = 0;
};

TEST_F(SigningKeyRotationTest, InsertActiveRotatesThePreviousKeyToVerifyOnly) {
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'800'000'000));
  auto first = transact(*pool_, "k1", [&](pqxx::dbtransaction& tx) {
    return SigningKeyStore(tx).insert_active(test_key(tenant_, "k1", t0), t0, t0);
  });
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->state, SigningKeyState::kActive);
  auto second = transact(*pool_, "k2", [&](pqxx::dbtransaction& tx) {
    return SigningKeyStore(tx).insert_active(test_key(tenant_, "k2", t0), t0 + 1h, t0 + 5h);
  });
  ASSERT_TRUE(second) << second.error();
  auto pending = transact(*pool_, "pending", [&](pqxx::dbtransaction& tx) {
    return SigningKeyStore(tx).insert(test_key(tenant_, "pending", t0));
  });
  ASSERT_TRUE(pending) << pending.error();

  auto keys = transact(*pool_, "list", [&](pqxx::dbtransaction& tx) {
    return SigningKeyStore(tx).list_verifying(tenant_);
  });
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ(keys->size(), 2u) << "pending keys do not verify";
  EXPECT_EQ((*keys)[0].key_id, "k2");
  EXPECT_EQ((*keys)[0].state, SigningKeyState::kActive);
  EXPECT_EQ((*keys)[0].activated_at, t0 + 1h);
  EXPECT_EQ((*keys)[1].key_id, "k1");
  EXPECT_EQ((*keys)[1].state, SigningKeyState::kVerifyOnly);
  EXPECT_EQ((*keys)[1].deactivated_at, t0 + 1h);
  EXPECT_EQ((*keys)[1].verify_until, t0 + 5h);
}

TEST_F(SigningKeyRotationTest, InsertActiveForUnknownTenantIsNotFound) {
  const TimePoint t0 = std::chrono::system_clock::now();
  auto r = transact(*pool_, "k1", [&](pqxx::dbtransaction& tx) {
    return SigningKeyStore(tx).insert_active(test_key(tenant_ + 1000, "k1"), t0, t0);
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
}

}  // namespace
