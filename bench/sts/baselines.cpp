#include "baselines.hpp"

#include <chrono>
#include <regex>

#include "sigil/testing/process.hpp"

namespace sigil::bench {
namespace {

using namespace std::chrono_literals;

Result<std::string> output_of(const std::vector<std::string>& argv) {
  testing::ProcessOptions options;
  options.timeout = 90s;
  SIGIL_TRY(testing::ProcessResult r, testing::run_process(argv, options));
  if (r.exit_code != 0) {
    return fail(Errc::kUnavailable, argv.front() + " exited with " + std::to_string(r.exit_code) +
                                        ": " + r.err.substr(0, 400));
  }
  return std::move(r.out);
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

Result<OpensslSpeed> openssl_speed_rsa2048(unsigned cores, int seconds) {
  std::vector<std::string> argv = {"openssl", "speed"};
  if (cores > 1) argv.insert(argv.end(), {"-multi", std::to_string(cores)});
  argv.insert(argv.end(), {"-seconds", std::to_string(seconds), "rsa2048"});
  SIGIL_TRY(std::string out, output_of(argv));
  // "rsa 2048 bits 0.000437s 0.000025s   2290.0  39874.4"
  static const std::regex line(R"(rsa 2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+))");
  std::smatch m;
  if (!std::regex_search(out, m, line)) {
    return fail(Errc::kUnavailable, "no rsa 2048 line in the output of " + joined(argv));
  }
  OpensslSpeed speed;
  speed.sign_per_s = std::stod(m[1]);
  speed.verify_per_s = std::stod(m[2]);
  speed.command = joined(argv);
  return speed;
}

Result<XmlBenchRates> xml_bench_rsa2048(const std::string& xml_bench) {
  std::vector<std::string> argv = {xml_bench, "--benchmark_filter=^(sign|verify)/rsa2048",
                                   "--skip_openssl_speed"};
  SIGIL_TRY(std::string out, output_of(argv));
  // "  sigil sign rsa2048          1994/s   vs openssl speed: ..."
  static const std::regex sign(R"(sigil sign rsa2048\s+([\d.]+)/s)");
  static const std::regex verify(R"(sigil verify rsa2048\s+([\d.]+)/s)");
  std::smatch ms;
  std::smatch mv;
  if (!std::regex_search(out, ms, sign) || !std::regex_search(out, mv, verify)) {
    return fail(Errc::kUnavailable, "no sign/verify summary in the output of " + joined(argv));
  }
  XmlBenchRates rates;
  rates.sign_per_s = std::stod(ms[1]);
  rates.verify_per_s = std::stod(mv[1]);
  if (rates.sign_per_s <= 0 || rates.verify_per_s <= 0) {
    return fail(Errc::kUnavailable, "sigil_bench_xml ran no RSA-2048 case: " + joined(argv));
  }
  rates.command = joined(argv);
  return rates;
}

}  // namespace sigil::bench
