#include "sigil/metrics/metric.hpp"

#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace sigil::metrics {
namespace {

TEST(Counter, NeverGoesDown) {
  Counter c;
  c.inc();
  c.inc(2.5);
  c.inc(-10);
  c.inc(std::nan(""));
  EXPECT_DOUBLE_EQ(c.value(), 3.5);
}

TEST(Counter, ConcurrentIncrementsAreNotLost) {
  Counter c;
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 80000.0);
}

TEST(Gauge, SetIncDec) {
  Gauge g;
  g.set(10);
  g.inc();
  g.dec(3);
  EXPECT_DOUBLE_EQ(g.value(), 8);
  g.set(-1.5);
  EXPECT_DOUBLE_EQ(g.value(), -1.5);
}

TEST(Histogram, BucketsAreCumulativeAndBoundsInclusive) {
  std::vector<double> bounds{0.1, 1, 10};
  Histogram h(bounds);
  h.observe(0.05);
  h.observe(0.1);  // le="0.1" includes 0.1
  h.observe(0.5);
  h.observe(100);  // only +Inf
  auto s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[2], 3u);
  EXPECT_EQ(s.cumulative[3], 4u);
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 100.65);
}

TEST(Histogram, CountEqualsInfBucketUnderConcurrentObservation) {
  Histogram h(default_latency_buckets());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done.load()) h.observe(0.003);
  });
  for (int i = 0; i < 1000; ++i) {
    auto s = h.snapshot();
    ASSERT_EQ(s.count, s.cumulative.back());
  }
  done = true;
  writer.join();
}

TEST(Histogram, DefaultLatencyBucketsSpanMillisecondsToSeconds) {
  auto b = default_latency_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.001);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

TEST(HistogramDeathTest, UnsortedBoundsAbort) {
  std::vector<double> bad{1, 0.5};
  EXPECT_DEATH(Histogram h(bad), "bounds_");
}

}  // namespace
}  // namespace sigil::metrics
