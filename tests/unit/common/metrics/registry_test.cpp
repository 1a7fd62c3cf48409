#include "sigil/metrics/registry.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

namespace sigil::metrics {
namespace {

TEST(Registry, ExposesExactTextFormat) {
  Registry r;
  auto& issued = r.counter("sigil_tokens_issued_total", "Tokens issued.", {"tenant", "kind"});
  issued.with({{"kind", "bearer"}, {"tenant", "vsphere.local"}}).inc(2);
  r.gauge("sigil_keyset_generation", "Key set generation.", {"tenant"})
      .with({{"tenant", "t"}})
      .set(7);
  auto& h =
      r.histogram("sigil_request_duration_seconds", "Request latency.", {"endpoint"}, {0.1, 1});
  h.with({{"endpoint", "/healthz"}}).observe(0.5);
  EXPECT_EQ(r.expose(),
            "# HELP sigil_tokens_issued_total Tokens issued.\n"
            "# TYPE sigil_tokens_issued_total counter\n"
            "sigil_tokens_issued_total{tenant=\"vsphere.local\",kind=\"bearer\"} 2\n"
            "# HELP sigil_keyset_generation Key set generation.\n"
            "# TYPE sigil_keyset_generation gauge\n"
            "sigil_keyset_generation{tenant=\"t\"} 7\n"
            "# HELP sigil_request_duration_seconds Request latency.\n"
            "# TYPE sigil_request_duration_seconds histogram\n"
            "sigil_request_duration_seconds_bucket{endpoint=\"/healthz\",le=\"0.1\"} 0\n"
            "sigil_request_duration_seconds_bucket{endpoint=\"/healthz\",le=\"1\"} 1\n"
            "sigil_request_duration_seconds_bucket{endpoint=\"/healthz\",le=\"+Inf\"} 1\n"
            "sigil_request_duration_seconds_sum{endpoint=\"/healthz\"} 0.5\n"
            "sigil_request_duration_seconds_count{endpoint=\"/healthz\"} 1\n");
}

TEST(Registry, LabelLessFamiliesReadZeroAndLabelledOnesShowOnlyTheirHeaderFromTheStart) {
  Registry r;
  r.counter("a_total", "A.");
  r.counter("b_total", "B.", {"tenant"});
  r.gauge_callback("c", "C.", {"tenant"}, [] { return std::vector<GaugeSample>{}; });
  EXPECT_EQ(r.expose(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_total B.\n# TYPE b_total counter\n"
            "# HELP c C.\n# TYPE c gauge\n");
}

TEST(Registry, WithReturnsTheSameSeriesForTheSameLabelsInAnyOrder) {
  Registry r;
  auto& f = r.counter("x_total", "X.", {"a", "b"});
  Counter& one = f.with({{"a", "1"}, {"b", "2"}});
  Counter& two = f.with({{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(&one, &two);
  EXPECT_NE(&one, &f.with({{"a", "1"}, {"b", "3"}}));
}

TEST(Registry, RegisteringTheSameDeclarationTwiceReturnsTheSameFamily) {
  Registry r;
  auto& a = r.gauge("g", "G.", {"x"});
  auto& b = r.gauge("g", "G.", {"x"});
  EXPECT_EQ(&a, &b);
}

TEST(RegistryDeathTest, ConflictingDeclarationsAndBadNamesAbort) {
  EXPECT_DEATH(
      {
        Registry r;
        r.gauge("g", "G.", {"x"});
        r.counter("g", "G.", {"x"});
      },
      "same");
  EXPECT_DEATH({ Registry().counter("no_suffix", "bad"); }, "_total");
  EXPECT_DEATH({ Registry().gauge("bad-name", "bad"); }, "valid_metric_name");
  EXPECT_DEATH({ Registry().histogram("h", "bad", {"le"}); }, "le");
  EXPECT_DEATH(
      {
        Registry r;
        r.gauge("g", "G.", {"x"}).with({{"y", "1"}});
      },
      "label_names_");
}

TEST(Registry, CallbackGaugesAreEvaluatedAtScrape) {
  Registry r;
  double open = 1;
  r.gauge_callback("sigil_http_open_connections", "Open connections.", [&open] { return open; });
  r.gauge_callback("sigil_signing_cert_not_after_timestamp_seconds", "Expiry.", {"key_id"}, [] {
    return std::vector<GaugeSample>{{{{"key_id", "k2"}}, 20}, {{{"key_id", "k1"}}, 10}};
  });
  std::string first = r.expose();
  EXPECT_NE(first.find("sigil_http_open_connections 1\n"), std::string::npos);
  // Sorted by label values, like every other family.
  EXPECT_LT(first.find("key_id=\"k1\"} 10"), first.find("key_id=\"k2\"} 20"));
  open = 5;
  EXPECT_NE(r.expose().find("sigil_http_open_connections 5\n"), std::string::npos);
}

TEST(Registry, ConcurrentWithAndIncAndExposeAgree) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"t"});
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 5000; ++i) f.with({{"t", std::to_string((t + i) % 3)}}).inc();
    });
  }
  for (int i = 0; i < 50; ++i) (void)r.expose();
  for (auto& t : threads) t.join();
  double total = 0;
  for (int v = 0; v < 3; ++v) total += f.with({{"t", std::to_string(v)}}).value();
  EXPECT_EQ(total, 20000.0);
}

// Runs `promtool check metrics` (Prometheus' own linter and parser) on `text`.
std::pair<int, std::string> promtool_check(const std::string& text) {
  char path[] = "/tmp/sigil-metrics-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {-1, "mkstemp failed"};
  close(fd);
  std::ofstream(path) << text;
  std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  std::string output;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  int status = pclose(p);
  unlink(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(Registry, PromtoolAcceptsEveryMetricTypeWithTrickyLabelValues) {
  Registry r;
  auto& c = r.counter("sigil_tokens_issued_total", "Tokens issued, by \"kind\".\nSecond line \\.",
                      {"tenant", "kind"});
  c.with({{"tenant", "we\"ird\\ten\nant"}, {"kind", "bearer"}}).inc(3);
  c.with({{"tenant", ""}, {"kind", "holder-of-key ünïcode"}}).inc();
  auto& g = r.gauge("sigil_keyset_generation", "Generation.", {"tenant"});
  g.with({{"tenant", "a{b}=c,d"}}).set(-2.5);
  g.with({{"tenant", "big"}}).set(std::numeric_limits<double>::infinity());
  auto& h = r.histogram("sigil_request_duration_seconds", "Latency.", {"endpoint"});
  for (double v : {0.0005, 0.003, 0.2, 42.0}) {
    h.with({{"endpoint", "/sts/STSService/{tenant}"}}).observe(v);
  }
  r.histogram("sigil_unlabelled_seconds", "No labels.").with().observe(1);
  r.gauge_callback("sigil_http_open_connections", "Open connections.", [] { return 3.0; });
  r.gauge_callback("sigil_signing_cert_not_after_timestamp_seconds", "Expiry.",
                   {"tenant", "key_id", "state"}, [] {
                     return std::vector<GaugeSample>{
                         {{{"tenant", "t"}, {"key_id", "k\"1"}, {"state", "active"}}, 1.7e9}};
                   });
  std::string text = r.expose();
  auto [rc, output] = promtool_check(text);
  EXPECT_EQ(rc, 0) << output << "\n--- exposed:\n" << text;
  EXPECT_EQ(output, "") << text;
}

}  // namespace
}  // namespace sigil::metrics
