#pragma once
// One run of sigil_sts_bench (see main.cpp for the phases): options, and the driver that sets
// up the fixture, runs the phases in order and prints the report.
//
// Thread-safety: run_bench() is called once, from main.

#include <string>

namespace sigil::bench {

struct BenchOptions {
  unsigned connections = 16;
  double seconds = 8;    // measured window of each load phase
  double warmup = 2;     // unmeasured lead-in of each load phase
  unsigned threads = 2;  // sigil-sts --threads; also the `openssl speed -multi` and core count
  double profile_seconds = 5;  // per profiled phase (issue, validate)
  std::string client_cert_mode = "optional";
  std::string sts_log_level = "info";
  bool baselines = true;
  bool profile = true;
  bool rotation = false;
  bool keep = false;
};

/// Runs everything; 0 when every phase ran (targets missed or not), 1 when the bench could not
/// run.
int run_bench(const BenchOptions& options);

}  // namespace sigil::bench
