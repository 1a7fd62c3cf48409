// sigil_sts_bench: HTTPS load on a real sigil-sts, reported as ratios against baselines measured
// in the same run (docs/performance.md). See docs/performance.md.
//
//   build/release/bench/sts/sigil_sts_bench [--connections N] [--seconds S] [--no-profile] ...
//
// One run: baselines (openssl speed -multi 2 rsa2048; bench/xml's in-process sign/verify), then a
// throw-away PostgreSQL + sigil-sts (--threads 2), then
//   1. issue   holder-of-key tokens over mTLS keep-alive, closed loop, N connections (peak rate)
//   2. validate one such token, closed loop
//   3. issue   open loop at half the peak rate (latency goal: p99 <= 2 ms)
//   4. profile issue and validate load with `perf record` on sigil-sts
// Nothing here fails on a missed target; the exit status is non-zero only when the bench could
// not run (setup failed, every request failed).
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_report.hpp"
#include "bench_run.hpp"

namespace {

using sigil::bench::BenchOptions;

constexpr char kUsage[] =
    "usage: sigil_sts_bench [OPTIONS]\n"
    "  --connections N     keep-alive connections of the load generator (default 16)\n"
    "  --seconds S         measured seconds per load phase (default 8)\n"
    "  --warmup S          unmeasured seconds before each phase (default 2)\n"
    "  --threads N         sigil-sts --threads (default 2)\n"
    "  --client-cert MODE  sigil-sts --client-cert: optional|required (default optional)\n"
    "  --sts-log-level L   sigil-sts --log-level (default info: one access line per request)\n"
    "  --no-baselines      skip openssl speed and sigil_bench_xml (no ratios)\n"
    "  --no-profile        skip the perf profile\n"
    "  --profile-seconds S seconds of perf record per profiled load (default 5)\n"
    "  --rotation          also rotate the signing key under load (starts sigil-certmgr)\n"
    "  --keep              keep the work directory (database, sts log, perf.data)\n";

bool number_arg(int& i, int argc, char** argv, const char* flag, double* out) {
  if (std::strcmp(argv[i], flag) != 0) return false;
  if (i + 1 >= argc) {
    std::fprintf(stderr, "sigil_sts_bench: %s needs a value\n", flag);
    std::exit(2);
  }
  *out = std::atof(argv[++i]);
  return true;
}

bool string_arg(int& i, int argc, char** argv, const char* flag, std::string* out) {
  if (std::strcmp(argv[i], flag) != 0) return false;
  if (i + 1 >= argc) {
    std::fprintf(stderr, "sigil_sts_bench: %s needs a value\n", flag);
    std::exit(2);
  }
  *out = argv[++i];
  return true;
}

BenchOptions parse_args(int argc, char** argv) {
  BenchOptions o;
  double connections = o.connections;
  double threads = o.threads;
  for (int i = 1; i < argc; ++i) {
    if (number_arg(i, argc, argv, "--connections", &connections) ||
        number_arg(i, argc, argv, "--seconds", &o.seconds) ||
        number_arg(i, argc, argv, "--warmup", &o.warmup) ||
        number_arg(i, argc, argv, "--threads", &threads) ||
        number_arg(i, argc, argv, "--profile-seconds", &o.profile_seconds) ||
        string_arg(i, argc, argv, "--client-cert", &o.client_cert_mode) ||
        string_arg(i, argc, argv, "--sts-log-level", &o.sts_log_level)) {
      continue;
    }
    std::string a = argv[i];
    if (a == "--no-baselines") {
      o.baselines = false;
    } else if (a == "--no-profile") {
      o.profile = false;
    } else if (a == "--rotation") {
      o.rotation = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "sigil_sts_bench: unknown argument %s\n%s", a.c_str(), kUsage);
      std::exit(2);
    }
  }
  o.connections = static_cast<unsigned>(connections);
  o.threads = static_cast<unsigned>(threads);
  if (o.connections == 0 || o.seconds <= 0 || o.warmup < 0 || o.threads == 0) {
    std::fprintf(stderr, "sigil_sts_bench: connections, seconds and threads must be positive\n");
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return sigil::bench::run_bench(parse_args(argc, argv));
  } catch (const std::exception& e) {  // std::bad_alloc, std::regex_error: report, do not crash
    std::fprintf(stderr, "sigil_sts_bench: fatal: %s\n", e.what());
    return 1;
  }
}
