#pragma once
// The three Prometheus metric kinds Sigil uses: Counter, Gauge and Histogram. One object is one
// time series (one label set); families and the text format live in registry.hpp.
//
// Thread-safety: every method may be called from any thread at any time. Updates are lock-free
// (std::atomic<double> / std::atomic<uint64_t>); a scrape reads each atomic once and never blocks
// a writer.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sigil::metrics {

/// A monotonically increasing value. Exposed as `<family>_total` (the family name must end in
/// `_total`).
class Counter {
 public:
  /// Adds `v`; negative or NaN increments are ignored (a counter never goes down).
  void inc(double v = 1.0) noexcept;
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1.0) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  void dec(double v = 1.0) noexcept { value_.fetch_sub(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Latency buckets in seconds: 1 ms .. 10 s, the Prometheus defaults plus 1 ms and 2.5 ms (a
/// bearer token is issued in a few milliseconds).
std::vector<double> default_latency_buckets();

/// Observations counted into fixed upper bounds (`le`), plus their sum and count.
class Histogram {
 public:
  /// `upper_bounds` must be strictly increasing and finite; +Inf is implicit.
  explicit Histogram(std::span<const double> upper_bounds);

  void observe(double v) noexcept;

  struct Snapshot {
    std::vector<double> upper_bounds;       // without +Inf
    std::vector<std::uint64_t> cumulative;  // one per bound, then one for +Inf
    double sum = 0;
    std::uint64_t count = 0;  // always equals cumulative.back()
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  // One slot per bound plus +Inf; per-bucket (not cumulative) so observe() touches one atomic.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0.0};
};

}  // namespace sigil::metrics
