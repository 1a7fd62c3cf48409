#pragma once
// Helpers for the process-level tests of sigil-sts, sigil-certmgr and sigilctl: paths of the
// built binaries, starting a service on 127.0.0.1:0 and learning its metrics port from the
// `event=listener.started listener=metrics addr=...` log line, running promtool, a port that is
// certainly closed, and a database the test may drop.
//
// Thread-safety: one test thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {

/// SIGIL_BINARY_DIR + "/services/sts/sigil-sts" and friends.
std::string sts_binary();
std::string certmgr_binary();
std::string sigilctl_binary();

/// A service started in the background with `--metrics-listen 127.0.0.1:0`.
class RunningService {
 public:
  /// Starts `binary` with `args` (plus --metrics-listen 127.0.0.1:0 --threads 2) and waits up to
  /// `wait` for the metrics listener's log line. Fails with the log when it does not come.
  static Result<RunningService> start(const std::string& binary, std::vector<std::string> args,
                                      std::chrono::milliseconds wait = std::chrono::seconds(20));

  std::uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT"
  std::string base_url() const;
  /// Everything the service wrote to stderr so far.
  std::string log() const;
  ChildProcess& process() { return *child_; }
  /// SIGTERM, then the exit code (kUnavailable if it did not exit within `timeout`).
  Result<int> terminate(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  RunningService(TempDir dir, ChildProcess child);
  TempDir dir_;
  std::optional<ChildProcess> child_;
  std::uint16_t port_ = 0;
};

/// The port in "event=listener.started listener=NAME addr=HOST:PORT", if the log has it.
std::optional<std::uint16_t> listener_port(std::string_view log, std::string_view listener);

/// Runs `promtool check metrics` on `text`; its exit code and combined output.
Result<ProcessResult> promtool_check_metrics(const std::string& text);

/// A TCP port on 127.0.0.1 that was free a moment ago and has no listener.
std::uint16_t closed_port();

/// Lines of `text` (without the newline), empty lines dropped.
std::vector<std::string> lines(std::string_view text);

}  // namespace sigil::testing
