#pragma once
// Injectable time. Everything in Sigil that depends on "now" takes a `const Clock&`, so tests
// move time with ManualClock instead of sleeping, and `sigilctl certmgr run-once --at` can run a
// scheduler pass as if the clock said another time.
//
// Thread-safety: SystemClock is stateless. ManualClock is safe to read and set from any thread.

#include <atomic>
#include <chrono>

namespace sigil {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : ns_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(ns_.load())); }
  void set(TimePoint t) { ns_.store(t.time_since_epoch().count()); }
  void advance(std::chrono::nanoseconds d) {
    ns_.fetch_add(std::chrono::duration_cast<TimePoint::duration>(d).count());
  }

 private:
  std::atomic<TimePoint::rep> ns_;
};

}  // namespace sigil
