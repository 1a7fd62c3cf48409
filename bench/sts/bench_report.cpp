#include "bench_report.hpp"

#include <chrono>
#include <cstdio>

namespace sigil::bench {
namespace {

std::string pct(double ours, double base) {
  if (ours <= 0 || base <= 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * ours / base);
  return buf;
}

std::string times(double ours, double base) {
  if (ours <= 0 || base <= 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fx", ours / base);
  return buf;
}

// Time of one operation on one core, in microseconds, from a rate over `cores` cores.
double op_us(double rate, unsigned cores) { return rate > 0 ? 1e6 * cores / rate : 0; }

double rsa_sign_rate(const Baselines& b) { return b.rsa ? b.rsa->sign_per_s : 0; }
double rsa_one_core_rate(const Baselines& b) { return b.rsa_one ? b.rsa_one->sign_per_s : 0; }
double xml_verify_rate(const Baselines& b) { return b.xml ? b.xml->verify_per_s : 0; }

// openssl speed counts CPU time, the load counts wall time: on a busy machine only the per-CPU-
// second figures compare.
void warn_if_busy(const Phase& p, unsigned cores) {
  const double wall = std::chrono::duration<double>(p.after.at - p.before.at).count();
  const double ours = (p.after.sts - p.before.sts) + (p.after.postgres - p.before.postgres) +
                      (p.after.self - p.before.self);
  const double others = (p.after.machine - p.before.machine) - ours;
  if (wall > 0 && others / (wall * cores) > 0.10) {
    std::printf(
        "    WARNING: other processes used %.0f%% of the machine: the per-second rates and "
        "latencies are low; compare the per-CPU-second figures\n",
        100.0 * others / (wall * cores));
  }
}

void print_counts(const Phase& p) {
  std::printf("    answers: %llu ok, %llu failed, %llu reconnects in %.1f s\n",
              static_cast<unsigned long long>(p.load.ok),
              static_cast<unsigned long long>(p.load.failed),
              static_cast<unsigned long long>(p.load.reconnects), p.load.seconds);
  if (!p.load.first_failure.empty()) {
    std::printf("    first failure: %s\n", p.load.first_failure.substr(0, 300).c_str());
  }
}

// "p50 3.10 ms (= 9.5 x one RSA-2048 sign)"
void print_latency(const Phase& p, const char* unit_name, double unit_us) {
  for (double q : {50.0, 99.0}) {
    double us = p.load.percentile_us(q);
    std::printf("    p%.0f %8.2f ms  (%s %s)\n", q, us / 1000.0, times(us, unit_us).c_str(),
                unit_name);
  }
}

double sts_cpu_seconds(const Phase& p) { return p.after.sts - p.before.sts; }

const char* verdict(bool met) { return met ? "MET" : "NOT MET"; }

}  // namespace

void print_baselines(const Baselines& b) {
  std::printf("baselines (same run, same machine):\n");
  if (b.rsa) {
    std::printf("  %-52s sign %8.0f/s  verify %8.0f/s\n", b.rsa->command.c_str(), b.rsa->sign_per_s,
                b.rsa->verify_per_s);
  } else {
    std::printf("  openssl speed: not measured\n");
  }
  if (b.rsa_one) {
    std::printf("  %-52s sign %8.0f/s  verify %8.0f/s\n", b.rsa_one->command.c_str(),
                b.rsa_one->sign_per_s, b.rsa_one->verify_per_s);
  }
  if (b.xml) {
    std::printf("  %-52s sign %8.0f/s  verify %8.0f/s  (one thread)\n", "sigil_bench_xml rsa2048",
                b.xml->sign_per_s, b.xml->verify_per_s);
  } else {
    std::printf("  sigil_bench_xml: not measured\n");
  }
}

void print_issue(const Phase& p, const Baselines& b) {
  const double rate = p.load.rate();
  const double limit = rsa_sign_rate(b);
  std::printf("\n%s\n", p.name.c_str());
  std::printf("    %.0f tokens/s = %s of openssl speed -multi %u rsa2048 sign/s", rate,
              pct(rate, limit).c_str(), b.cores);
  if (limit > 0) {
    std::printf("  [goal >= %.0f%%: %s]", 100 * kIssueGoal, verdict(rate >= kIssueGoal * limit));
  }
  std::printf("\n");
  const double cpu = sts_cpu_seconds(p);
  const double pg = p.after.postgres - p.before.postgres;
  if (cpu > 0 && p.load.ok > 0) {
    const double per_cpu_s = static_cast<double>(p.load.ok) / cpu;
    const double with_pg = static_cast<double>(p.load.ok) / (cpu + pg);
    std::printf("    %.0f tokens per sigil-sts CPU second = %s of one process's RSA-2048 sign/s\n",
                per_cpu_s, pct(per_cpu_s, rsa_one_core_rate(b)).c_str());
    std::printf("    %.0f tokens per CPU second of sigil-sts + PostgreSQL = %s of it\n", with_pg,
                pct(with_pg, rsa_one_core_rate(b)).c_str());
  }
  print_latency(p, "one RSA-2048 sign", op_us(rsa_one_core_rate(b), 1));
  std::printf("    CPU: %s\n", describe_cpu(p.before, p.after, b.cores).c_str());
  print_counts(p);
  warn_if_busy(p, b.cores);
}

void print_validate(const Phase& p, const Baselines& b) {
  const double rate = p.load.rate();
  const double in_process = xml_verify_rate(b) * b.cores;
  std::printf("\n%s\n", p.name.c_str());
  std::printf("    %.0f validations/s = %s of sigil_bench_xml verify x %u cores", rate,
              pct(rate, in_process).c_str(), b.cores);
  if (in_process > 0) {
    std::printf("  [goal >= %.0f%%: %s]", 100 * kValidateGoal,
                verdict(rate >= kValidateGoal * in_process));
  }
  std::printf("\n");
  const double cpu = sts_cpu_seconds(p);
  if (cpu > 0 && p.load.ok > 0) {
    const double per_cpu_s = static_cast<double>(p.load.ok) / cpu;
    std::printf("    %.0f validations per sigil-sts CPU second = %s of in-process verify/s\n",
                per_cpu_s, pct(per_cpu_s, xml_verify_rate(b)).c_str());
  }
  print_latency(p, "one in-process verify", op_us(xml_verify_rate(b), 1));
  std::printf("    CPU: %s\n", describe_cpu(p.before, p.after, b.cores).c_str());
  print_counts(p);
  warn_if_busy(p, b.cores);
}

void print_half_peak(const Phase& p, const Baselines& b) {
  std::printf("\n%s\n", p.name.c_str());
  const double p99_ms = p.load.percentile_us(99) / 1000.0;
  std::printf("    offered %.0f/s, answered %.0f/s; p99 %.2f ms  [goal p99 <= %.1f ms: %s]\n",
              p.offered_rate, p.load.rate(), p99_ms, kHalfPeakP99GoalMs,
              verdict(p.load.ok > 0 && p99_ms <= kHalfPeakP99GoalMs));
  print_latency(p, "one RSA-2048 sign", op_us(rsa_one_core_rate(b), 1));
  std::printf("    CPU: %s\n", describe_cpu(p.before, p.after, b.cores).c_str());
  print_counts(p);
  warn_if_busy(p, b.cores);
}

void print_profile(const std::string& what, const ProfileReport& r) {
  std::printf("\nprofile of sigil-sts under %s load (perf record)\n", what.c_str());
  if (!r.note.empty()) std::printf("    note: %s\n", r.note.c_str());
  std::printf("  self time by shared object:\n");
  for (const auto& l : r.by_object) std::printf("    %6.2f%%  %s\n", l.percent, l.what.c_str());
  std::printf("  top symbols (self time; libcrypto has no symbols for its internals):\n");
  size_t shown = 0;
  for (const auto& l : r.top_symbols) {
    if (++shown > 12) break;
    std::printf("    %6.2f%%  %s\n", l.percent, l.what.substr(0, 100).c_str());
  }
  std::printf("  where a request's time goes (inclusive, %% of sigil-sts samples):\n");
  for (const auto& l : r.breakdown) {
    if (l.percent > 0) std::printf("    %6.2f%%  %s\n", l.percent, l.what.c_str());
  }
  std::printf("  data: %s (perf report -i FILE)\n", r.data_path.c_str());
}

}  // namespace sigil::bench
