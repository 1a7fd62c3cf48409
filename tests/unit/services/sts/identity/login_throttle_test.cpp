// LoginThrottle: a token bucket per client source, refused attempts counted, memory bounded,
// successful logins give their attempt back; client_source groups IPv6 by /64. Time comes from
// a ManualClock; nothing sleeps.
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
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(t.try_acquire("10.0.0." + std::to_string(i), clock_.now()));
  EXPECT_EQ(t.tracked(), 4u);
  // Full of buckets that are not refilled: sources 10.0.1.x share the overflow bucket (burst 2).
  EXPECT_TRUE(t.try_acquire("10.0.1.1", clock_.now()));
  EXPECT_TRUE(t.try_acquire("10.0.1.2", clock_.now()));
  EXPECT_FALSE(t.try_acquire("10.0.1.3", clock_.now()));
  EXPECT_EQ(t.tracked(), 4u);
  // A tracked source keeps its own budget meanwhile.
  EXPECT_TRUE(t.try_acquire("10.0.0.1", clock_.now()));
}

TEST_F(LoginThrottleTest, RefilledBucketsAreSweptToMakeRoom) {
  LoginThrottle t = make(2, 60, 4);  // one attempt a second
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(t.try_acquire("10.0.0." + std::to_string(i), clock_.now()));
  clock_.advance(seconds(2));  // every bucket is full again: the same as no bucket
  EXPECT_TRUE(t.try_acquire("10.0.1.1", clock_.now()));
  EXPECT_TRUE(t.try_acquire("10.0.1.1", clock_.now()));
  EXPECT_FALSE(t.try_acquire("10.0.1.1", clock_.now())) << "a bucket of its own, not the overflow";
  EXPECT_EQ(t.tracked(), 1u);
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
