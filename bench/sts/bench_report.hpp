#pragma once
// How sigil_sts_bench prints what it measured: every rate and latency next to its ratio to a
// baseline of the same run, and whether a goal of docs/performance.md is met
// (informational: a missed goal is printed, never an error).
//
// Thread-safety: prints to stdout; one thread.

#include <optional>
#include <string>

#include "baselines.hpp"
#include "load_generator.hpp"
#include "profile.hpp"

namespace sigil::bench {

/// Goals from docs/performance.md.
inline constexpr double kIssueGoal = 0.85;         // of `openssl speed -multi 2 rsa2048` sign/s
inline constexpr double kValidateGoal = 1.5;       // of in-process verify on the same cores
inline constexpr double kHalfPeakP99GoalMs = 2.0;  // p99 at half the peak issue rate

struct Baselines {
  std::optional<OpensslSpeed> rsa;      // -multi cores: the goal's baseline (wall time, see below)
  std::optional<OpensslSpeed> rsa_one;  // one process: per-CPU-second reference
  std::optional<XmlBenchRates> xml;     // one thread
  unsigned cores = 2;
};

/// One load phase and the CPU it cost.
struct Phase {
  std::string name;
  LoadResult load;
  CpuSample before;
  CpuSample after;
  double offered_rate = 0;  // open loop only
};

void print_baselines(const Baselines& b);
void print_issue(const Phase& p, const Baselines& b);
void print_validate(const Phase& p, const Baselines& b);
void print_half_peak(const Phase& p, const Baselines& b);
void print_profile(const std::string& what, const ProfileReport& r);

}  // namespace sigil::bench
