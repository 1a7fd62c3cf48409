#include "sigil/metrics/metric.hpp"

#include <algorithm>
#include <cmath>

#include "sigil/base/result.hpp"

namespace sigil::metrics {

void Counter::inc(double v) noexcept {
  if (!(v > 0)) return;  // also rejects NaN
  value_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<double> default_latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Histogram::Histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    SIGIL_CHECK(std::isfinite(bounds_[i]));
    SIGIL_CHECK(i == 0 || bounds_[i - 1] < bounds_[i]);
  }
}

void Histogram::observe(double v) noexcept {
  // First bound >= v; NaN lands in +Inf (every comparison is false).
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  auto index = static_cast<size_t>(it - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  // _count is derived from the buckets so that it always equals the +Inf bucket, even while
  // other threads observe during the scrape.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace sigil::metrics
