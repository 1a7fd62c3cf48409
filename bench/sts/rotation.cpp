#include "rotation.hpp"

#include <cstdio>
#include <mutex>
#include <thread>

#include "scenarios.hpp"

namespace sigil::bench {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr int kRotations = 3;
constexpr auto kLead = 2s;     // steady load before the first rotation
constexpr auto kSpacing = 2s;  // between rotations, and after the last one

// One `sigilctl signing-cert refresh`: when it was started and when it returned (its
// transaction had committed by then).
struct Rotation {
  SteadyTime started;
  SteadyTime returned;
  bool ok = false;
  std::string output;
};

// What the load saw: the signing certificate of every issued token, in completion order.
struct Observed {
  struct Issued {
    SteadyTime sent;
    SteadyTime received;
    std::string cert;
  };
  std::vector<Issued> issued;
  std::string first_token;   // signed by the key active before any rotation
  std::string latest_token;  // the most recent token issued
  std::uint64_t validations = 0;
  std::uint64_t failed_validations = 0;
  std::uint64_t failed_issues = 0;
  std::string first_failure;
};

double ms_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::vector<Rotation> rotate(const StsFixture& fixture, SteadyTime start) {
  std::vector<Rotation> out;
  std::this_thread::sleep_until(start + kLead);
  for (int i = 0; i < kRotations; ++i) {
    Rotation r;
    r.started = Steady::now();
    auto ran = fixture.sigilctl({"--tenant", fixture.options().tenant, "signing-cert", "refresh"});
    r.returned = Steady::now();
    r.ok = ran && ran->exit_code == 0;
    r.output = ran ? ran->out + ran->err : ran.error().to_string();
    out.push_back(std::move(r));
    std::this_thread::sleep_for(kSpacing);
  }
  return out;
}

bool observe(Observed& seen, const LoadAnswer& a) {
  if (a.request->kind == kIssue) {
    auto token = assertion_of(a.body);
    auto cert = token ? signing_certificate_b64(*token) : std::nullopt;
    if (!is_hok_token_response(a.status, a.body) || !cert) {
      ++seen.failed_issues;
      if (seen.first_failure.empty()) seen.first_failure = std::string(a.body.substr(0, 400));
      return false;
    }
    seen.latest_token = std::string(*token);
    seen.issued.push_back({a.sent, a.received, std::string(*cert)});
    return true;
  }
  ++seen.validations;
  if (is_valid_status_response(a.status, a.body)) return true;
  ++seen.failed_validations;
  if (seen.first_failure.empty()) seen.first_failure = std::string(a.body.substr(0, 400));
  return false;
}

void print_rotation(const Rotation& r, int index, const Observed& seen,
                    const std::string& old_cert) {
  // The first token signed by another key than the one in use before this rotation.
  const Observed::Issued* first_new = nullptr;
  std::uint64_t stale = 0;  // requests sent after the commit but still signed by the old key
  for (const auto& t : seen.issued) {
    if (t.sent >= r.returned && t.cert == old_cert) ++stale;
    if (!first_new && t.received >= r.started && t.cert != old_cert) first_new = &t;
  }
  std::printf("  rotation %d: signing-cert refresh %s, sigilctl returned at +%.0f ms; ", index,
              r.ok ? "committed" : "FAILED", ms_between(r.started, r.returned));
  if (first_new) {
    // The commit lies between the start and the return of sigilctl: a new-key token before the
    // return means the change propagated before sigilctl had even exited.
    std::printf("first new-key token at +%.0f ms (%+.1f ms from the return); ",
                ms_between(r.started, first_new->received),
                ms_between(r.returned, first_new->received));
  } else {
    std::printf("no token signed by a new key seen; ");
  }
  std::printf("%llu requests sent after the return signed by the old key\n",
              static_cast<unsigned long long>(stale));
  if (!r.ok) std::printf("    %s\n", r.output.substr(0, 400).c_str());
}

// The certificate tokens were signed with just before `t`.
std::string cert_before(const Observed& seen, SteadyTime t) {
  std::string cert;
  for (const auto& i : seen.issued) {
    if (i.received < t) cert = i.cert;
  }
  return cert;
}

}  // namespace

Result<void> run_rotation(StsFixture& fixture, const LoadOptions& base,
                          const std::string& issue_body, const std::string& token) {
  // sigilctl's signing-cert verbs go through certmgr's admin API.
  SIGIL_TRY_VOID(fixture.start_certmgr());
  std::printf("\nrunning: rotation under load (%d x signing-cert refresh, %lld s apart) ...\n",
              kRotations, static_cast<long long>(kSpacing.count()));
  std::fflush(stdout);
  Observed seen;
  seen.first_token = token;
  seen.latest_token = token;
  const std::string first_validate = validate_request(token);
  LoadOptions l = base;
  l.warmup = 0ms;
  l.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(kLead + kSpacing * kRotations) + 1s;
  // Half issue, a quarter validating the newest token, a quarter the token from before every
  // rotation (its key must stay verify-only).
  l.next = [&](std::uint64_t seq) {
    if (seq % 2 == 0) return LoadRequest{issue_action(), issue_body, kIssue};
    if (seq % 4 == 1)
      return LoadRequest{validate_action(), validate_request(seen.latest_token), kValidate};
    return LoadRequest{validate_action(), first_validate, kValidate};
  };
  l.check = [&](const LoadAnswer& a) { return observe(seen, a); };
  std::vector<Rotation> rotations;
  const SteadyTime start = Steady::now();
  std::thread rotator([&] { rotations = rotate(fixture, start); });
  auto load = run_load(l);
  rotator.join();
  if (!load) return unexpected(load.error());

  std::printf("\nrotation under load: %.0f answers/s (issue + validate), p99 %.2f ms\n",
              load->rate(), load->percentile_us(99) / 1000.0);
  for (size_t i = 0; i < rotations.size(); ++i) {
    print_rotation(rotations[i], static_cast<int>(i) + 1, seen,
                   cert_before(seen, rotations[i].started));
  }
  std::printf("  validations: %llu, failed: %llu  [must be 0: %s]; failed issues: %llu\n",
              static_cast<unsigned long long>(seen.validations),
              static_cast<unsigned long long>(seen.failed_validations),
              seen.failed_validations == 0 ? "OK" : "FAILED",
              static_cast<unsigned long long>(seen.failed_issues));
  if (!seen.first_failure.empty()) {
    std::printf("  first failure: %s\n", seen.first_failure.c_str());
  }
  return {};
}

}  // namespace sigil::bench
