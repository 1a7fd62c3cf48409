#include "bench_run.hpp"

#include <cstdio>
#include <thread>

#include "bench_report.hpp"
#include "rotation.hpp"
#include "scenarios.hpp"
#include "sts_fixture.hpp"

namespace sigil::bench {
namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

void warn(const std::string& what, const Error& e) {
  std::printf("  warning: %s: %s\n", what.c_str(), e.to_string().c_str());
}

Baselines measure_baselines(const BenchOptions& o) {
  Baselines b;
  b.cores = o.threads;
  if (!o.baselines) return b;
  std::fflush(stdout);
  auto rsa = openssl_speed_rsa2048(o.threads, 3);
  if (rsa) {
    b.rsa = *rsa;
  } else {
    warn("openssl speed", rsa.error());
  }
  auto one = openssl_speed_rsa2048(1, 2);
  if (one) {
    b.rsa_one = *one;
  } else {
    warn("openssl speed (one process)", one.error());
  }
  auto xml = xml_bench_rsa2048(SIGIL_XML_BENCH_BINARY);
  if (xml) {
    b.xml = *xml;
  } else {
    warn("sigil_bench_xml", xml.error());
  }
  return b;
}

LoadOptions base_load(const StsFixture& f, const BenchOptions& o) {
  LoadOptions l;
  l.port = f.port();
  l.target = f.target();
  l.connections = o.connections;
  l.warmup = ms(o.warmup);
  l.duration = ms(o.seconds);
  l.tls = f.client_tls();
  return l;
}

LoadOptions issue_load(const StsFixture& f, const BenchOptions& o, const std::string& body) {
  LoadOptions l = base_load(f, o);
  l.next = [body](std::uint64_t) { return LoadRequest{issue_action(), body, kIssue}; };
  l.check = [](const LoadAnswer& a) { return is_hok_token_response(a.status, a.body); };
  return l;
}

LoadOptions validate_load(const StsFixture& f, const BenchOptions& o, const std::string& body) {
  LoadOptions l = base_load(f, o);
  l.next = [body](std::uint64_t) { return LoadRequest{validate_action(), body, kValidate}; };
  l.check = [](const LoadAnswer& a) { return is_valid_status_response(a.status, a.body); };
  return l;
}

// One holder-of-key token, issued over the same mTLS path the load uses.
Result<std::string> first_token(const StsFixture& f, const BenchOptions& o,
                                const std::string& body) {
  LoadOptions l = issue_load(f, o, body);
  l.connections = 1;
  l.warmup = 0ms;
  l.duration = 200ms;
  std::string token;
  l.check = [&token](const LoadAnswer& a) {
    if (!is_hok_token_response(a.status, a.body)) return false;
    if (token.empty()) token = std::string(*assertion_of(a.body));
    return true;
  };
  SIGIL_TRY(LoadResult r, run_load(l));
  if (token.empty()) return fail(Errc::kInternal, "no token issued: " + r.first_failure);
  return token;
}

// Runs `load`; CPU is sampled at the edges of the measured window, like the answers counted.
Result<Phase> run_phase(const StsFixture& f, std::string name, LoadOptions load) {
  std::printf("running: %s ...\n", name.c_str());
  std::fflush(stdout);
  Phase p;
  p.name = std::move(name);
  p.offered_rate = load.rate;
  load.on_window_begin = [&] { p.before = CpuSample::take(f.sts_pid(), f.postmaster_pid()); };
  load.on_window_end = [&] { p.after = CpuSample::take(f.sts_pid(), f.postmaster_pid()); };
  SIGIL_TRY(p.load, run_load(load));
  return p;
}

// perf record on sigil-sts while `load` runs for `seconds`, then the report.
void profile_phase(const StsFixture& f, const std::string& what, LoadOptions load, double seconds) {
  std::printf("running: perf record on sigil-sts under %s load (%.0f s) ...\n", what.c_str(),
              seconds);
  std::fflush(stdout);
  auto profiler = Profiler::start(f.sts_pid(), f.path("perf-" + what + ".data"), 499);
  if (!profiler) {
    std::printf("\nprofile skipped: %s\n", profiler.error().to_string().c_str());
    return;
  }
  load.warmup = 0ms;
  load.duration = ms(seconds);
  auto ran = run_load(load);
  auto report = profiler->finish();
  if (!ran) std::printf("\nprofile load failed: %s\n", ran.error().to_string().c_str());
  if (!report) {
    std::printf("\nprofile failed: %s\n", report.error().to_string().c_str());
    return;
  }
  print_profile(what, *report);
  std::fflush(stdout);
}

void print_inputs(const BenchOptions& o, const StsFixture& f, size_t token_bytes) {
  std::printf(
      "\ninputs: sigil-sts --threads %u --client-cert %s --log-level %s on 127.0.0.1:%u; "
      "hardware threads %u\n"
      "        load: %u keep-alive TLS connections from one client thread, mTLS with the "
      "solution user's RSA-2048 certificate; warm-up %.0f s, measured %.0f s per phase\n"
      "        tokens: holder-of-key SAML 2.0, RSA-2048 signing key, %zu bytes\n",
      o.threads, o.client_cert_mode.c_str(), o.sts_log_level.c_str(), f.port(),
      std::thread::hardware_concurrency(), o.connections, o.warmup, o.seconds, token_bytes);
}

int run_phases(const BenchOptions& o, const Baselines& b, StsFixture& f) {
  const std::string issue_body = hok_issue_request(SystemClock().now());
  auto token = first_token(f, o, issue_body);
  if (!token) {
    std::fprintf(stderr, "sigil_sts_bench: %s\nsts log:\n%s\n", token.error().to_string().c_str(),
                 f.sts_log().c_str());
    return 1;
  }
  print_inputs(o, f, token->size());
  auto issue = run_phase(f, "issue: holder-of-key over mTLS, keep-alive, closed loop",
                         issue_load(f, o, issue_body));
  if (!issue || issue->load.ok == 0) {
    std::fprintf(stderr, "sigil_sts_bench: issue load failed: %s\n",
                 issue ? issue->load.first_failure.c_str() : issue.error().to_string().c_str());
    return 1;
  }
  const LoadOptions v = validate_load(f, o, validate_request(*token));
  auto validate = run_phase(f, "validate: one holder-of-key token, keep-alive, closed loop", v);
  LoadOptions half = issue_load(f, o, issue_body);
  half.rate = issue->load.rate() / 2;
  auto half_peak = run_phase(f, "issue: open loop at half the peak rate", half);

  std::printf("\n");
  print_baselines(b);
  print_issue(*issue, b);
  if (validate) print_validate(*validate, b);
  if (half_peak) print_half_peak(*half_peak, b);
  std::fflush(stdout);
  if (o.profile) {
    profile_phase(f, "issue", issue_load(f, o, issue_body), o.profile_seconds);
    profile_phase(f, "validate", v, o.profile_seconds);
  }
  if (o.rotation) {
    auto rotation = run_rotation(f, base_load(f, o), issue_body, *token);
    if (!rotation) std::printf("\nrotation mode: %s\n", rotation.error().to_string().c_str());
  }
  return validate && half_peak ? 0 : 1;
}

}  // namespace

int run_bench(const BenchOptions& o) {
  std::printf("sigil_sts_bench: baselines ...\n");
  const Baselines b = measure_baselines(o);
  std::printf("sigil_sts_bench: starting PostgreSQL and sigil-sts ...\n");
  std::fflush(stdout);
  StsFixtureOptions fo;
  fo.sts_binary = SIGIL_STS_BINARY;
  fo.sigilctl_binary = SIGIL_SIGILCTL_BINARY;
  fo.certmgr_binary = SIGIL_CERTMGR_BINARY;
  fo.threads = o.threads;
  fo.client_cert_mode = o.client_cert_mode;
  fo.log_level = o.sts_log_level;
  auto fixture = StsFixture::start(fo);
  if (!fixture) {
    std::fprintf(stderr, "sigil_sts_bench: setup failed: %s\n",
                 fixture.error().to_string().c_str());
    return 1;
  }
  const int rc = run_phases(o, b, **fixture);
  if (!(*fixture)->sts_running()) {
    std::fprintf(stderr, "sigil_sts_bench: sigil-sts died; log:\n%s\n",
                 (*fixture)->sts_log().c_str());
  }
  if (o.keep) std::printf("\nwork directory kept: %s\n", (*fixture)->keep().c_str());
  return rc;
}

}  // namespace sigil::bench
