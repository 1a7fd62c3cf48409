// LoginThrottle: a token bucket per client source and a larger one per /48 (IPv6) or /24
// (IPv4), refused attempts counted, memory bounded, successful logins give their attempt back;
// client_source groups IPv6 by /64, source_group by /48 and /24. Time comes from a
// ManualClock; nothing sleeps.
#include "sts/identity/login_throttle.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "sigil/metrics/registry.hpp"

namespace sigil::sts::identity {
namespace {

using std::chrono::seconds;

class LoginThrottleTest : public ::testing::Test {
 protected:
  LoginThrottle make(double burst, double per_minute, std::size_t max_sources = 1000) {
    LoginThrottleOptions o;
    o.burst = burst;
    o.per_minute = per_minute;
    o.max_sources = max_sources;
    return LoginThrottle(o, registry_);
  }
  double throttled() {
    const std::string text = registry_.expose();
    const std::string name = "sigil_login_throttled_total ";
    const auto at = text.find("\n" + name);
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + 1 + name.size()));
  }
  // Takes attempts until refused; how many were granted (at most 1000).
  int drain(LoginThrottle& t, const std::string& source) {
    int n = 0;
    while (n < 1000 && t.try_acquire(source, clock_.now())) ++n;
    return n;
  }

  metrics::Registry registry_;
  ManualClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
};

TEST_F(LoginThrottleTest, SourceGetsItsBurstThenIsRefusedAndCounted) {
  LoginThrottle t = make(5, 6);
  EXPECT_EQ(drain(t, "192.0.2.1"), 5);
  EXPECT_FALSE(t.try_acquire("192.0.2.1", clock_.now()));
  EXPECT_EQ(throttled(), 2.0);  // the refusal that ended drain() and this one
}

TEST_F(LoginThrottleTest, OneSourceBeingThrottledLeavesAnotherAlone) {
  LoginThrottle t = make(3, 1);
  EXPECT_EQ(drain(t, "192.0.2.1"), 3);
  EXPECT_TRUE(t.try_acquire("198.51.100.7", clock_.now()));
}

TEST_F(LoginThrottleTest, AttemptsComeBackAtTheConfiguredRate) {
  LoginThrottle t = make(5, 6);  // one attempt every 10 s
  ASSERT_EQ(drain(t, "192.0.2.1"), 5);
  clock_.advance(seconds(9));
  EXPECT_FALSE(t.try_acquire("192.0.2.1", clock_.now()));
  clock_.advance(seconds(1));
  EXPECT_TRUE(t.try_acquire("192.0.2.1", clock_.now()));
  EXPECT_FALSE(t.try_acquire("192.0.2.1", clock_.now()));
  clock_.advance(seconds(3600));
  EXPECT_EQ(drain(t, "192.0.2.1"), 5) << "never more than the burst";
}

TEST_F(LoginThrottleTest, RefundGivesASuccessfulLoginItsAttemptBack) {
  LoginThrottle t = make(2, 1);
  ASSERT_TRUE(t.try_acquire("192.0.2.1", clock_.now()));
  t.refund("192.0.2.1", clock_.now());
  ASSERT_TRUE(t.try_acquire("192.0.2.1", clock_.now()));
  ASSERT_TRUE(t.try_acquire("192.0.2.1", clock_.now()));
  EXPECT_FALSE(t.try_acquire("192.0.2.1", clock_.now()));
  t.refund("192.0.2.1", clock_.now());
  t.refund("192.0.2.1", clock_.now());
  t.refund("192.0.2.1", clock_.now());
  EXPECT_EQ(drain(t, "192.0.2.1"), 2) << "refunds never exceed the burst";
}

TEST_F(LoginThrottleTest, TableNeverHoldsMoreThanItsBoundAndNewSourcesShareOneBudget) {
  LoginThrottle t = make(2, 1, 4);
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(t.try_acquire("10.0.0." + std::to_string(i), clock_.now()));
  EXPECT_EQ(t.tracked(), 4u) << "three sources and their /24";
  // Full of buckets that are not refilled: sources of 10.0.1.0/24 have no bucket and neither
  // has their group; they share the overflow bucket (burst 2), drawn once per attempt.
  EXPECT_TRUE(t.try_acquire("10.0.1.1", clock_.now()));
  EXPECT_TRUE(t.try_acquire("10.0.1.2", clock_.now()));
  EXPECT_FALSE(t.try_acquire("10.0.1.3", clock_.now()));
  EXPECT_FALSE(t.try_acquire("2001:db8:9:1::/64", clock_.now())) << "IPv6 shares it too";
  EXPECT_EQ(t.tracked(), 4u);
  // A tracked source keeps its own budget meanwhile.
  EXPECT_TRUE(t.try_acquire("10.0.0.1", clock_.now()));
}

TEST_F(LoginThrottleTest, RefilledBucketsAreSweptToMakeRoom) {
  LoginThrottle t = make(2, 60, 4);  // one attempt a second
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(t.try_acquire("10.0.0." + std::to_string(i), clock_.now()));
  clock_.advance(seconds(2));  // every bucket is full again: the same as no bucket
  EXPECT_TRUE(t.try_acquire("10.0.1.1", clock_.now()));
  EXPECT_TRUE(t.try_acquire("10.0.1.1", clock_.now()));
  EXPECT_FALSE(t.try_acquire("10.0.1.1", clock_.now())) << "a bucket of its own, not the overflow";
  EXPECT_EQ(t.tracked(), 2u) << "10.0.1.1 and 10.0.1.0/24";
}

// The attack: one /48 is 65 536 /64 sources, each with its own budget.
TEST_F(LoginThrottleTest, ManySlash64sOfOneSlash48AreThrottledTogether) {
  LoginThrottle t = make(10, 10);  // the /48: 80 at once, 80 a minute
  int granted = 0;
  for (int i = 0; i < 100; ++i) {
    granted += drain(t, "2001:db8:1:" + std::to_string(i) + "::/64");
  }
  EXPECT_EQ(granted, 80) << "not 100 sources x 10";
  // Another /48 (even next door) and an IPv4 client are unaffected.
  EXPECT_EQ(drain(t, "2001:db8:2:1::/64"), 10);
  EXPECT_EQ(drain(t, "192.0.2.1"), 10);
  // The /48 regains 80 a minute, however many /64s ask: 8 in 6 s.
  clock_.advance(seconds(6));
  granted = 0;
  for (int i = 200; i < 220; ++i) {
    granted += drain(t, "2001:db8:1:" + std::to_string(i) + "::/64");
  }
  EXPECT_EQ(granted, 8);
  clock_.advance(seconds(3600));
  granted = 0;
  for (int i = 300; i < 400; ++i) {
    granted += drain(t, "2001:db8:1:" + std::to_string(i) + "::/64");
  }
  EXPECT_EQ(granted, 80) << "never more than the /48's burst";
}

TEST_F(LoginThrottleTest, AddressesOfOneSlash24AreThrottledTogether) {
  LoginThrottle t = make(10, 10);
  int granted = 0;
  for (int i = 1; i <= 20; ++i) granted += drain(t, "198.51.100." + std::to_string(i));
  EXPECT_EQ(granted, 80);
  EXPECT_EQ(drain(t, "198.51.101.1"), 10) << "the next /24 is another group";
}

TEST_F(LoginThrottleTest, ASourceStillHasOnlyItsOwnBurstInsideItsGroup) {
  LoginThrottle t = make(3, 1);
  EXPECT_EQ(drain(t, "2001:db8:1:2::/64"), 3);
  EXPECT_EQ(drain(t, "2001:db8:1:3::/64"), 3);
}

TEST_F(LoginThrottleTest, RefusedAttemptTakesNothingAndRefundReachesTheGroup) {
  LoginThrottle t = make(2, 1);  // the /24: 16
  for (int i = 1; i <= 8; ++i) ASSERT_EQ(drain(t, "203.0.113." + std::to_string(i)), 2);
  EXPECT_FALSE(t.try_acquire("203.0.113.9", clock_.now())) << "the /24 is empty";
  // 203.0.113.9's own bucket lost nothing to the refusals: after one refund to the group it
  // gets exactly one attempt (its own bucket has 2, the group 1).
  t.refund("203.0.113.1", clock_.now());
  EXPECT_EQ(drain(t, "203.0.113.9"), 1);
  // A successful login gives its attempt back to the group as well.
  t.refund("203.0.113.9", clock_.now());
  EXPECT_EQ(drain(t, "203.0.113.10"), 1);
}

TEST_F(LoginThrottleTest, UnknownSourceHasNoGroup) {
  LoginThrottle t = make(2, 1);
  EXPECT_EQ(drain(t, "unknown"), 2);
  EXPECT_EQ(t.tracked(), 1u);
}

TEST_F(LoginThrottleTest, FloodOfSlash48sWhenTheTableIsFullSharesTheOverflowBudget) {
  LoginThrottle t = make(2, 1, 16);
  int granted = 0;
  for (int i = 0; i < 1000; ++i) {
    granted += drain(t, "2001:db8:" + std::to_string(i) + ":1::/64");
  }
  // 8 /48s and their /64 fit in the table (2 attempts each), the rest draw from the overflow
  // bucket, which holds the per-source burst: 2.
  EXPECT_EQ(t.tracked(), 16u);
  EXPECT_EQ(granted, 8 * 2 + 2);
}

TEST(SourceGroup, Ipv6IsItsSlash48AndIpv4ItsSlash24) {
  EXPECT_EQ(source_group("2001:db8:1:2::/64"), "2001:db8:1::/48");
  EXPECT_EQ(source_group("2001:db8:1:ffff::/64"), source_group("2001:db8:1:2::/64"));
  EXPECT_NE(source_group("2001:db8:1:2::/64"), source_group("2001:db8:2:2::/64"));
  EXPECT_EQ(source_group("192.0.2.7"), "192.0.2.0/24");
  EXPECT_EQ(source_group("unknown"), std::nullopt);
  EXPECT_EQ(source_group("not-an-address/64"), std::nullopt);
  using boost::asio::ip::make_address;
  EXPECT_EQ(source_group(client_source(make_address("2001:db8:abcd:12:1::7"))),
            "2001:db8:abcd::/48");
}

TEST(ClientSource, Ipv4IsItselfAndIpv6IsItsSlash64) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(client_source(make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(client_source(make_address("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(client_source(make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_source(make_address("2001:db8:1:2::1")),
            client_source(make_address("2001:db8:1:2:ffff::9")));
  EXPECT_NE(client_source(make_address("2001:db8:1:2::1")),
            client_source(make_address("2001:db8:1:3::1")));
}

}  // namespace
}  // namespace sigil::sts::identity
