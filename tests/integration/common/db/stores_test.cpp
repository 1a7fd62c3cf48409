// TenantStore and SigningKeyStore through a pool and db::transact, as services use them.

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::TimePoint;
using sigil::db::SigningKeyState;
using sigil::db::SigningKeyStore;
using sigil::db::TenantStore;
using sigil::db::transact;
using namespace sigil::db::test_util;
using namespace std::chrono_literals;

class StoresTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<sigil::db::ConnectionPool>(conninfo(), sigil::db::PoolOptions{});
  }

  sigil::Result<sigil::db::TenantRow> create(const std::string& name) {
    return transact(*pool_, "create tenant",
                    [&](pqxx::dbtransaction& tx) { return TenantStore(tx).create(name); });
  }

  sigil::Result<sigil::db::SigningKeyRow> insert(const sigil::db::NewSigningKey& key) {
    return transact(*pool_, "insert key",
                    [&](pqxx::dbtransaction& tx) { return SigningKeyStore(tx).insert(key); });
  }

  sigil::Result<void> activate(std::int64_t tenant, const std::string& key_id) {
    return transact(*pool_, "activate key", [&](pqxx::dbtransaction& tx) {
      return SigningKeyStore(tx).activate(tenant, key_id, std::chrono::system_clock::now());
    });
  }

  std::unique_ptr<sigil::db::ConnectionPool> pool_;
};

TEST_F(StoresTest, CreatedTenantHasVcenterDefaultTokenPolicy) {
  auto t = create("vsphere.local");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->name, "vsphere.local");
  EXPECT_EQ(t->policy.clock_tolerance_s, 600);
  EXPECT_EQ(t->policy.max_bearer_lifetime_s, 300);
  EXPECT_EQ(t->policy.max_hok_lifetime_s, 30 * 24 * 3600);
  EXPECT_EQ(t->policy.max_renew_count, 10);
  EXPECT_EQ(t->policy.max_delegation_count, 10);
  EXPECT_EQ(t->keyset_generation, 0);
  EXPECT_EQ(t->lockout.max_failures, 5);
  EXPECT_EQ(t->lockout.window_s, 180);
  EXPECT_EQ(t->lockout.duration_s, 900);
  EXPECT_LT(std::chrono::system_clock::now() - t->created_at, 1min);
}

TEST_F(StoresTest, TenantNamesAreUniqueAndFoundIgnoringCase) {
  ASSERT_TRUE(create("vsphere.local"));
  auto dup = create("VSphere.Local");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  auto found = transact(*pool_, "find", [](pqxx::dbtransaction& tx) {
    return TenantStore(tx).find("VSPHERE.LOCAL");
  });
  ASSERT_TRUE(found) << found.error();
  EXPECT_EQ(found->name, "vsphere.local");
}

TEST_F(StoresTest, UnknownTenantIsNotFound) {
  auto r = transact(*pool_, "find", [](pqxx::dbtransaction& tx) {
    return TenantStore(tx).find("nowhere.example");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
}

TEST_F(StoresTest, MalformedTenantNameIsInvalidArgument) {
  for (const char* name : {"", "-lead", "has space", "semi;colon"}) {
    auto r = create(name);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << name;
  }
}

TEST_F(StoresTest, ActivateFailsWithConflictWhileAnotherKeyIsActive) {
  auto t = create("rot.example");
  ASSERT_TRUE(t);
  ASSERT_TRUE(insert(test_key(t->id, "k1")));
  ASSERT_TRUE(insert(test_key(t->id, "k2")));
  ASSERT_TRUE(activate(t->id, "k1"));
  auto second = activate(t->id, "k2");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kConflict);
  EXPECT_EQ(second.error().message, "the tenant already has an active signing key");
}

TEST_F(StoresTest, RotationInOneTransactionLeavesExactlyOneActiveKey) {
  auto t = create("rot.example");
  ASSERT_TRUE(t);
  ASSERT_TRUE(insert(test_key(t->id, "k1")));
  ASSERT_TRUE(insert(test_key(t->id, "k2")));
  ASSERT_TRUE(activate(t->id, "k1"));
  const TimePoint now = std::chrono::system_clock::now();
  auto rotated = transact(*pool_, "rotate", [&](pqxx::dbtransaction& tx) -> sigil::Result<void> {
    SigningKeyStore keys(tx);
    SIGIL_TRY_VOID(keys.deactivate(t->id, "k1", now, now + 10min));
    return keys.activate(t->id, "k2", now);
  });
  ASSERT_TRUE(rotated) << rotated.error();
  auto keys = transact(*pool_, "list",
                       [&](pqxx::dbtransaction& tx) { return SigningKeyStore(tx).list(t->id); });
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key_id, "k2");
  EXPECT_EQ((*keys)[0].state, SigningKeyState::kActive);
  EXPECT_EQ((*keys)[1].state, SigningKeyState::kVerifyOnly);
  ASSERT_TRUE((*keys)[1].verify_until.has_value());
  EXPECT_EQ(*(*keys)[1].verify_until,
            std::chrono::time_point_cast<std::chrono::microseconds>(now + 10min));
}

TEST_F(StoresTest, ActivatingAnUnknownKeyIsKeyNotFound) {
  auto t = create("a.example");
  ASSERT_TRUE(t);
  auto r = activate(t->id, "missing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kKeyNotFound);
}

TEST_F(StoresTest, ActivatingAKeyThatIsNotPendingIsConflict) {
  auto t = create("a.example");
  ASSERT_TRUE(t);
  ASSERT_TRUE(insert(test_key(t->id, "k1")));
  ASSERT_TRUE(activate(t->id, "k1"));
  auto again = activate(t->id, "k1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_EQ(again.error().message, "signing key is active, not pending");
}

TEST_F(StoresTest, DuplicateKeyIdIsConflictAndUnknownTenantIsNotFound) {
  auto t = create("a.example");
  ASSERT_TRUE(t);
  ASSERT_TRUE(insert(test_key(t->id, "k1")));
  auto dup = insert(test_key(t->id, "k1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  auto orphan = insert(test_key(t->id + 1000, "k2"));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, Errc::kNotFound);
}

TEST_F(StoresTest, KeyTimesRoundTripToTheMicrosecond) {
  auto t = create("time.example");
  ASSERT_TRUE(t);
  auto key = test_key(t->id, "k1");
  // 2026-01-02T10:00:00.123456Z, and a time before the epoch.
  key.not_before = TimePoint(std::chrono::microseconds(-1'000'001));
  key.not_after = TimePoint(std::chrono::microseconds(1'767'348'000'123'456));
  auto row = insert(key);
  ASSERT_TRUE(row) << row.error();
  EXPECT_EQ(row->not_before, key.not_before);
  EXPECT_EQ(row->not_after, key.not_after);
  EXPECT_EQ(row->state, SigningKeyState::kPending);
  EXPECT_FALSE(row->activated_at.has_value());
}

}  // namespace
