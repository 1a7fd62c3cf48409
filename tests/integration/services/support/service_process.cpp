#include "service_process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "sigil/crypto/envelope.hpp"

namespace sigil::testing {

std::string sts_binary() { return SIGIL_BINARY_DIR "/services/sts/sigil-sts"; }
std::string certmgr_binary() { return SIGIL_BINARY_DIR "/services/certmgr/sigil-certmgr"; }
std::string sigilctl_binary() { return SIGIL_BINARY_DIR "/sigilctl/sigilctl"; }

RunningService::RunningService(TempDir dir, ChildProcess child)
    : dir_(std::move(dir)), child_(std::move(child)) {}

Result<RunningService> RunningService::start(const std::string& binary,
                                             std::vector<std::string> args,
                                             std::chrono::milliseconds wait) {
  SIGIL_TRY(TempDir dir, TempDir::create("sigil-svc-"));
  std::string err = (dir.path() / "stderr.log").string();
  // Hermetic by default: any free ports, and a home of its own with a master key (the TLS
  // certificate sts creates goes there too). Later flags in `args` override these.
  std::string home = (dir.path() / "home").string();
  std::filesystem::create_directories(home);
  SIGIL_TRY_VOID(crypto::create_master_key_file(home + "/master.key"));
  std::vector<std::string> argv{binary,   "--metrics-listen", "127.0.0.1:0", "--listen",
                                "127.0.0.1:0", "--threads",   "2",           "--home",
                                home};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions options;
  options.stderr_path = err;
  SIGIL_TRY(ChildProcess child, spawn_process(argv, options));
  RunningService svc(std::move(dir), std::move(child));
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto port = listener_port(svc.log(), "metrics")) {
      svc.port_ = *port;
      return svc;
    }
    if (!svc.child_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail(Errc::kUnavailable,
              binary + " did not start its metrics listener; log:\n" + svc.log());
}

std::string RunningService::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string RunningService::log() const {
  std::ifstream in(dir_.path() / "stderr.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<int> RunningService::terminate(std::chrono::milliseconds timeout) {
  SIGIL_TRY_VOID(child_->kill(SIGTERM));
  return child_->wait(timeout);
}

std::optional<std::uint16_t> listener_port(std::string_view log, std::string_view listener) {
  std::string needle = "event=listener.started listener=" + std::string(listener) + " addr=";
  auto at = log.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  auto line_end = log.find('\n', at);
  if (line_end == std::string_view::npos) return std::nullopt;  // line not complete yet
  std::string_view addr = log.substr(at + needle.size(), line_end - at - needle.size());
  auto colon = addr.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int port = std::stoi(std::string(addr.substr(colon + 1)));
  return static_cast<std::uint16_t>(port);
}

Result<ProcessResult> promtool_check_metrics(const std::string& text) {
  ProcessOptions options;
  options.timeout = std::chrono::seconds(30);
  options.stdin_data = text;
  return run_process({"promtool", "check", "metrics"}, options);
}

std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed again when `a` goes
}

std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace sigil::testing

