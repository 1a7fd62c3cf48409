#include "profile.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

namespace sigil::bench {
namespace {

using namespace std::chrono_literals;

struct ProcStat {
  pid_t ppid = 0;
  double cpu_s = 0;
};

// Fields 4 (ppid), 14 (utime) and 15 (stime) of /proc/PID/stat. The command name (field 2) is
// in parentheses and may contain spaces: parse after the last ')'.
std::optional<ProcStat> proc_stat(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string state;
  long ppid = 0;
  rest >> state >> ppid;
  std::string skip;
  for (int field = 5; field < 14; ++field) rest >> skip;
  double utime = 0;
  double stime = 0;
  rest >> utime >> stime;
  if (!rest) return std::nullopt;
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ProcStat{static_cast<pid_t>(ppid), (utime + stime) / ticks};
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * share);
  return buf;
}

// "    45.12%  libcrypto.so.3" and "    60.10%     0.00%  [.] EVP_DigestSign": the first
// percentage and the text after the last percentage column.
std::vector<ProfileLine> parse_report(const std::string& out) {
  static const std::regex line(R"(^\s*([\d.]+)%\s+(?:[\d.]+%\s+)?(.*\S)\s*$)");
  std::vector<ProfileLine> lines;
  std::istringstream in(out);
  std::string text;
  while (std::getline(in, text)) {
    std::smatch m;
    if (text.empty() || text[0] == '#' || !std::regex_match(text, m, line)) continue;
    std::string what = m[2];
    what = std::regex_replace(what, std::regex(R"(\s+)"), " ");
    if (what.size() > 300) what = what.substr(0, 297) + "...";
    lines.push_back({std::stod(m[1]), what});
  }
  return lines;
}

Result<std::string> perf_report(const std::string& data, std::vector<std::string> args) {
  std::vector<std::string> argv{"perf", "report", "-i", data, "--stdio", "-q"};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::ProcessOptions o;
  o.timeout = 120s;
  SIGIL_TRY(testing::ProcessResult r, testing::run_process(argv, o));
  if (r.exit_code != 0) return fail(Errc::kUnavailable, "perf report failed: " + r.err);
  return std::move(r.out);
}

// Where a request's time goes, by the functions that bound each part (inclusive time; a line
// is the largest share of any symbol matching its pattern). Outer frames (the handlers) are left
// out: perf copies 16 KB of stack per sample, and deeper stacks lose them.
struct Part {
  const char* label;
  const char* pattern;  // regex on the symbol, from its start
};
constexpr Part kParts[] = {
    {"issue: sign the assertion (saml::write_signed_assertion)",
     R"(sigil::saml::write_signed_assertion)"},
    {"  RSA-2048 private-key operation (RSA_sign)", R"(RSA_sign$)"},
    {"parse the RST (wstrust::parse_request)", R"(sigil::sts::wstrust::parse_request)"},
    {"validate: check the token (saml::validate_assertion)", R"(sigil::saml::validate_assertion)"},
    {"  XML-DSig verify (xml::verify)", R"(sigil::xml::verify\b)"},
    {"    RSA-2048 public-key operation", R"((RSA_verify|EVP_PKEY_verify|EVP_DigestVerifyFinal)$)"},
    {"  parse the holder-of-key certificate (crypto::parse_certificate_der)",
     R"(sigil::crypto::parse_certificate_der)"},
    {"database, all queries (db::detail::transact_pooled)",
     R"(sigil::db::detail::transact_pooled)"},
    {"  IdentitySource::authenticate_certificate",
     R"(sigil::sts::identity::IdentitySource::authenticate_certificate)"},
    {"  IdentitySource::load_tenant", R"(sigil::sts::identity::IdentitySource::load_tenant)"},
    {"  BEGIN / COMMIT round trips (pqxx)", R"(pqxx::transaction_base::(Begin|commit)$)"},
    {"HTTP response write incl. TLS (beast::http::async_write)",
     R"(boost::beast::http::async_write<)"},
    {"logging (log::Logger::write)", R"(sigil::log::Logger::write)"},
    {"system calls (kernel, do_syscall_64)", R"(do_syscall_64$)"},
};

std::string symbol_of(const std::string& what) {
  return what.size() > 4 && what[0] == '[' && what[2] == ']' ? what.substr(4) : what;
}

std::vector<ProfileLine> breakdown(const std::vector<ProfileLine>& inclusive,
                                   const std::vector<ProfileLine>& by_symbol) {
  std::vector<ProfileLine> out;
  for (const Part& part : kParts) {
    const std::regex re(part.pattern);
    double best = 0;
    for (const auto& l : inclusive) {
      if (std::regex_search(symbol_of(l.what), re, std::regex_constants::match_continuous)) {
        best = std::max(best, l.percent);
      }
    }
    out.push_back({best, part.label});
  }
  double switches = 0;  // self time of the scheduler switching threads in and out
  for (const auto& l : by_symbol) {
    if (l.what.find("finish_task_switch") != std::string::npos ||
        l.what.find("_raw_spin_unlock_irqrestore") != std::string::npos) {
      switches += l.percent;
    }
  }
  out.push_back({switches, "context switches (kernel finish_task_switch + irqrestore, self)"});
  return out;
}

}  // namespace

CpuSample CpuSample::take(pid_t sts, pid_t postmaster) {
  CpuSample s;
  s.at = std::chrono::steady_clock::now();
  if (auto st = proc_stat(std::to_string(sts))) s.sts = st->cpu_s;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto st = proc_stat(name);
    if (st && (std::stol(name) == postmaster || st->ppid == postmaster)) s.postgres += st->cpu_s;
  }
  // "cpu  user nice system idle iowait irq softirq steal ...": everything but idle and iowait.
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double v[8] = {};
  stat >> cpu;
  for (double& x : v) stat >> x;
  s.machine = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / static_cast<double>(sysconf(_SC_CLK_TCK));
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  s.self = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
           static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  return s;
}

std::string describe_cpu(const CpuSample& before, const CpuSample& after, unsigned cores) {
  const double wall = std::chrono::duration<double>(after.at - before.at).count();
  if (wall <= 0 || cores == 0) return "n/a";
  const double capacity = wall * cores;
  const double sts = after.sts - before.sts;
  const double pg = after.postgres - before.postgres;
  const double self = after.self - before.self;
  char busy[32];
  std::snprintf(busy, sizeof busy, "%.2f", (sts + pg + self) / wall);
  const double others = std::max(0.0, after.machine - before.machine - sts - pg - self);
  return "sts " + percent(sts / capacity) + ", postgres " + percent(pg / capacity) +
         ", load generator " + percent(self / capacity) + " of " + std::to_string(cores) +
         " cores (" + busy + " cores busy with these); other processes " +
         percent(others / capacity);
}

Result<Profiler> Profiler::start(pid_t pid, const std::string& data_path, int frequency) {
  testing::SpawnOptions o;
  o.stderr_path = data_path + ".log";
  SIGIL_TRY(testing::ChildProcess perf,
            testing::spawn_process(
                {"perf", "record", "-q", "-F", std::to_string(frequency), "--call-graph",
                 "dwarf,16384", "-p", std::to_string(pid), "-o", data_path},
                o));
  std::this_thread::sleep_for(300ms);  // perf attaches to every thread first
  if (!perf.running()) {
    std::ifstream in(data_path + ".log");
    std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return fail(Errc::kUnavailable, "perf record did not start: " + log.substr(0, 400));
  }
  return Profiler(data_path, std::move(perf));
}

Result<ProfileReport> Profiler::finish() {
  (void)perf_.kill(SIGINT);  // perf writes its data file on SIGINT
  SIGIL_TRY(int code, perf_.wait(60s));
  ProfileReport report;
  report.data_path = data_path_;
  if (code != 0 && code != 128 + SIGINT) {
    report.note = "perf record exited with " + std::to_string(code);
  }
  SIGIL_TRY(std::string objects, perf_report(data_path_, {"--no-children", "--sort", "dso", "-g",
                                                          "none", "--percent-limit", "0.5"}));
  report.by_object = parse_report(objects);
  SIGIL_TRY(std::string symbols, perf_report(data_path_, {"--no-children", "--sort", "dso,sym",
                                                          "-g", "none", "--percent-limit", "0.7"}));
  report.top_symbols = parse_report(symbols);
  SIGIL_TRY(std::string inclusive, perf_report(data_path_, {"--children", "--sort", "sym", "-g",
                                                            "none", "--percent-limit", "0.3"}));
  report.breakdown = breakdown(parse_report(inclusive), report.top_symbols);
  return report;
}

}  // namespace sigil::bench
