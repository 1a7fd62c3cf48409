// Password lockout through IdentitySource, with the tenant's default policy (vCenter's: 5
// failures within 180 s lock for 900 s) and a ManualClock. Failures count per (user, source):
// the tests without a source use kUnknownSource; LockoutPerSource shows sources apart.

#include <barrier>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "identity_test_util.hpp"

namespace sigil::sts::identity::testing {
namespace {

class LockoutTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (HasFatalFailure()) return;
    add_user("alice");
  }

  // `n` wrong passwords, `step` apart.
  void fail_times(int n, std::chrono::seconds step = 10s) {
    for (int i = 0; i < n; ++i) {
      auto p = login("alice", kWrongPassword);
      ASSERT_FALSE(p);
      ASSERT_EQ(p.error().code, Errc::kAuthFailed);
      clock_.advance(step);
    }
  }
};

TEST_F(LockoutTest, FifthFailureWithinTheWindowLocksAndFourDoNot) {
  fail_times(4);
  EXPECT_EQ(failures("alice").failed_count, 4);
  EXPECT_FALSE(failures("alice").locked_until.has_value());
  const TimePoint fifth = clock_.now();
  fail_times(1);
  EXPECT_EQ(failures("alice").failed_count, 5);
  EXPECT_EQ(failures("alice").locked_until, fifth + 900s);
}

TEST_F(LockoutTest, CorrectPasswordWhileLockedFailsAndDoesNotExtendTheLock) {
  fail_times(5);
  const db::SourceFailures locked = failures("alice");
  ASSERT_TRUE(locked.locked_until.has_value());
  auto p = login("alice", kPassword);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  EXPECT_EQ(p.error().message, "Authentication failed");
  EXPECT_EQ(p.error().detail, "reason=locked");
  ASSERT_FALSE(login("alice", kWrongPassword));
  const db::SourceFailures after = failures("alice");
  EXPECT_EQ(after.locked_until, locked.locked_until);
  EXPECT_EQ(after.failed_count, locked.failed_count)
      << "attempts while locked are not even checked";
}

TEST_F(LockoutTest, LockEndsAfterTheDuration) {
  fail_times(4);
  const TimePoint fifth = clock_.now();
  fail_times(1);
  clock_.set(fifth + 900s - 1s);
  ASSERT_FALSE(login("alice", kPassword));
  clock_.set(fifth + 900s);
  auto p = login("alice", kPassword);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(failures("alice").failed_count, 0);
  EXPECT_FALSE(failures("alice").locked_until.has_value());
}

TEST_F(LockoutTest, FailuresSpreadBeyondTheWindowDoNotLock) {
  // 4 failures at t0 .. t0+30 s; the fifth comes 180 s after the first.
  fail_times(4);
  clock_.set(t0() + 180s);
  fail_times(1);
  EXPECT_EQ(failures("alice").failed_count, 1) << "the count restarted";
  EXPECT_FALSE(failures("alice").locked_until.has_value());
  auto p = login("alice", kPassword);
  EXPECT_TRUE(p) << p.error();
}

TEST_F(LockoutTest, SuccessResetsTheCounter) {
  fail_times(4);
  ASSERT_TRUE(login("alice", kPassword));
  EXPECT_EQ(failures("alice").failed_count, 0);

  fail_times(4);
  EXPECT_FALSE(failures("alice").locked_until.has_value());
  EXPECT_TRUE(login("alice", kPassword));
}

TEST_F(LockoutTest, TenantPolicyDecidesTheThreshold) {
  edit([&](pqxx::dbtransaction& tx) -> Result<void> {
    tx.exec("UPDATE tenants SET lockout_max_failures = 2, lockout_duration_s = 60");
    return {};
  });
  const TimePoint second = t0() + 10s;
  fail_times(2);
  EXPECT_EQ(failures("alice").locked_until, second + 60s);
}

TEST_F(LockoutTest, TwoConcurrentFailuresBothCount) {
  std::barrier start(2);
  std::vector<Error> errors(2);
  std::vector<std::thread> threads;
  threads.reserve(2);
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto p = source().authenticate_password(kTenant, "alice", kWrongPassword);
      if (!p) errors[i] = p.error();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors[0].code, Errc::kAuthFailed);
  EXPECT_EQ(errors[1].code, Errc::kAuthFailed);
  EXPECT_EQ(failures("alice").failed_count, 2);
}

class LockoutPerSource : public LockoutTest {
 protected:
  static constexpr std::string_view kAttacker = "192.0.2.66";
  static constexpr std::string_view kHome = "198.51.100.1";

  void fail_from(std::string_view from, int n) {
    for (int i = 0; i < n; ++i) {
      auto p = login("alice", kWrongPassword, from);
      ASSERT_FALSE(p);
      ASSERT_EQ(p.error().code, Errc::kAuthFailed);
      clock_.advance(1s);
    }
  }
};

TEST_F(LockoutPerSource, FailuresFromOneSourceDoNotLockAnother) {
  fail_from(kAttacker, 5);
  ASSERT_TRUE(failures("alice", kAttacker).locked_until.has_value());
  auto locked = login("alice", kPassword, kAttacker);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().detail, "reason=locked");
  auto home = login("alice", kPassword, kHome);
  EXPECT_TRUE(home) << home.error();
  EXPECT_EQ(failures("alice", kHome).failed_count, 0);
  EXPECT_TRUE(failures("alice", kAttacker).locked_until.has_value())
      << "the rightful user's success does not unlock the attacker's source";
  EXPECT_NE(log_text().find("source=192.0.2.66"), std::string::npos) << log_text();
}

TEST_F(LockoutPerSource, CountsOfTwoSourcesAreSeparate) {
  fail_from(kAttacker, 3);
  fail_from(kHome, 2);
  EXPECT_EQ(failures("alice", kAttacker).failed_count, 3);
  EXPECT_EQ(failures("alice", kHome).failed_count, 2);
  fail_from(kAttacker, 2);
  EXPECT_TRUE(failures("alice", kAttacker).locked_until.has_value());
  EXPECT_FALSE(failures("alice", kHome).locked_until.has_value());
}

TEST_F(LockoutPerSource, UnlockAndPasswordResetClearEverySource) {
  fail_from(kAttacker, 5);
  fail_from(kHome, 5);
  std::int64_t cleared = 0;
  const std::int64_t alice = user("alice").id;
  edit([&](pqxx::dbtransaction& tx) -> Result<void> {
    SIGIL_TRY(cleared, db::LoginFailureStore(tx).clear_user(alice));
    return {};
  });
  EXPECT_EQ(cleared, 2);
  EXPECT_TRUE(login("alice", kPassword, kAttacker));
  fail_from(kHome, 5);
  ASSERT_FALSE(login("alice", kPassword, kHome));
  edit([&](pqxx::dbtransaction& tx) {
    return db::UserStore(tx).set_password_hash(tenant_id_, "alice",
                                               crypto::hash_password(kPassword).value(),
                                               clock_.now());
  });
  EXPECT_TRUE(login("alice", kPassword, kHome));
}

TEST_F(LockoutPerSource, RowsOfOtherSourcesThatNoLongerMatterAreDropped) {
  fail_from(kHome, 1);
  clock_.advance(181s);  // the home source's window is over and it holds no lock
  fail_from(kAttacker, 1);
  EXPECT_EQ(failures("alice", kHome).failed_count, 0) << "row dropped";
  EXPECT_EQ(failures("alice", kAttacker).failed_count, 1);
}

TEST_F(LockoutPerSource, ThrottledSourceIsRefusedBeforeAnyPasswordCheck) {
  metrics::Registry registry;
  LoginThrottleOptions options;
  options.burst = 2;
  options.per_minute = 1;
  LoginThrottle throttle(options, registry);
  IdentitySource throttled(*pool_, clock_, log_->logger(), &throttle);
  ASSERT_FALSE(throttled.authenticate_password(kTenant, "alice", kWrongPassword, kAttacker));
  ASSERT_FALSE(throttled.authenticate_password(kTenant, "alice", kWrongPassword, kAttacker));
  auto limited = throttled.authenticate_password(kTenant, "alice", kPassword, kAttacker);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, Errc::kRateLimited);
  EXPECT_EQ(failures("alice", kAttacker).failed_count, 2) << "the third attempt was not counted";
  auto home = throttled.authenticate_password(kTenant, "alice", kPassword, kHome);
  EXPECT_TRUE(home) << home.error();
  // A success gives its attempt back: the home source can log in again and again.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(throttled.authenticate_password(kTenant, "alice", kPassword, kHome));
  }
}

}  // namespace
}  // namespace sigil::sts::identity::testing
