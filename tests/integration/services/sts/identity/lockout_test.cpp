// Password lockout through IdentitySource, with the tenant's default policy (vCenter's: 5
// failures within 180 s lock for 900 s) and a ManualClock.

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
  EXPECT_EQ(user("alice").failed_login_count, 4);
  EXPECT_FALSE(user("alice").locked_until.has_value());
  const TimePoint fifth = clock_.now();
  fail_times(1);
  EXPECT_EQ(user("alice").failed_login_count, 5);
  EXPECT_EQ(user("alice").locked_until, fifth + 900s);
}

TEST_F(LockoutTest, CorrectPasswordWhileLockedFailsAndDoesNotExtendTheLock) {
  fail_times(5);
  const db::UserRow locked = user("alice");
  ASSERT_TRUE(locked.locked_until.has_value());
  auto p = login("alice", kPassword);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  EXPECT_EQ(p.error().message, "Authentication failed");
  EXPECT_EQ(p.error().detail, "reason=locked");
  ASSERT_FALSE(login("alice", kWrongPassword));
  const db::UserRow after = user("alice");
  EXPECT_EQ(after.locked_until, locked.locked_until);
  EXPECT_EQ(after.failed_login_count, locked.failed_login_count)
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
  EXPECT_EQ(user("alice").failed_login_count, 0);
  EXPECT_FALSE(user("alice").locked_until.has_value());
}

TEST_F(LockoutTest, FailuresSpreadBeyondTheWindowDoNotLock) {
  // 4 failures at t0 .. t0+30 s; the fifth comes 180 s after the first.
  fail_times(4);
  clock_.set(t0() + 180s);
  fail_times(1);
  EXPECT_EQ(user("alice").failed_login_count, 1) << "the count restarted";
  EXPECT_FALSE(user("alice").locked_until.has_value());
  auto p = login("alice", kPassword);
  EXPECT_TRUE(p) << p.error();
}

TEST_F(LockoutTest, SuccessResetsTheCounter) {
  fail_times(4);
  ASSERT_TRUE(login("alice", kPassword));
  EXPECT_EQ(user("alice").failed_login_count, 0);
  EXPECT_FALSE(user("alice").first_failed_at.has_value());
  fail_times(4);
  EXPECT_FALSE(user("alice").locked_until.has_value());
  EXPECT_TRUE(login("alice", kPassword));
}

TEST_F(LockoutTest, TenantPolicyDecidesTheThreshold) {
  edit([&](pqxx::dbtransaction& tx) -> Result<void> {
    tx.exec("UPDATE tenants SET lockout_max_failures = 2, lockout_duration_s = 60");
    return {};
  });
  const TimePoint second = t0() + 10s;
  fail_times(2);
  EXPECT_EQ(user("alice").locked_until, second + 60s);
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
  EXPECT_EQ(user("alice").failed_login_count, 2);
}

}  // namespace
}  // namespace sigil::sts::identity::testing
