#pragma once
// Where the time goes while sigil_sts_bench loads sigil-sts:
// - CPU accounting from /proc: CPU seconds of sigil-sts, of the PostgreSQL cluster (postmaster
//   and its backends) and of this process, so a run can say how the 2 cores were shared;
// - a sampling profile of sigil-sts with `perf record` (Debian package linux-perf) and a flat
//   summary from `perf report`: by shared object, and the top symbols. perf needs
//   perf_event_open, which some containers forbid; then the profile says so and is skipped.
//
// Thread-safety: CpuSample::take reads /proc and may run on any thread; Profiler runs perf as
// child processes from one thread.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/testing/process.hpp"

namespace sigil::bench {

/// CPU seconds (user + system) used so far by the processes the bench cares about.
struct CpuSample {
  double sts = 0;
  double postgres = 0;  // postmaster and every process whose parent it is
  double self = 0;      // this process (the load generator)
  double machine = 0;   // every process on the machine (/proc/stat), to see competing load
  std::chrono::steady_clock::time_point at;

  static CpuSample take(pid_t sts, pid_t postmaster);
};

/// The share of the machine each part used between two samples, as "sts 61% pg 22% client
/// 9% (of 2 cores, 1.84 busy)".
std::string describe_cpu(const CpuSample& before, const CpuSample& after, unsigned cores);

struct ProfileLine {
  double percent = 0;
  std::string what;  // "libcrypto.so.3" or "libxml2.so.2.9.14  xmlParseCharData"
};

struct ProfileReport {
  std::vector<ProfileLine> by_object;    // self time by shared object
  std::vector<ProfileLine> top_symbols;  // self time by object and symbol
  std::vector<ProfileLine> breakdown;    // inclusive time of the parts of a request (call graphs)
  std::string data_path;                 // the perf.data file (kept for `perf report -i`)
  std::string note;                      // why something is missing, if it is
};

/// Starts `perf record` on `pid` (call graphs via DWARF unwinding, `frequency` Hz).
class Profiler {
 public:
  static Result<Profiler> start(pid_t pid, const std::string& data_path, int frequency);
  /// Stops recording and summarises the samples.
  Result<ProfileReport> finish();

 private:
  Profiler(std::string data_path, testing::ChildProcess perf)
      : data_path_(std::move(data_path)), perf_(std::move(perf)) {}
  std::string data_path_;
  testing::ChildProcess perf_;
};

}  // namespace sigil::bench
