#pragma once
// Running programs from tests without a shell: fork + exec with pipes, a timeout, optional
// extra environment and an optional user to run as (root starting PostgreSQL as `postgres`).
//
//   auto r = run_process({"/usr/bin/openssl", "version"}, {.timeout = 10s});
//   ASSERT_TRUE(r) << r.error();
//   EXPECT_EQ(r->exit_code, 0) << r->err;
//
//   auto sts = spawn_process({bin, "--listen", "127.0.0.1:0"}, {.stdout_path = log});
//   ...; sts->kill(SIGTERM); auto status = sts->wait(5s);
//
// Thread-safety: the functions may be called from any thread; a ChildProcess belongs to one.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sigil/base/result.hpp"

namespace sigil::testing {

/// An OS identity to switch to in the child (setgroups, setgid, setuid). Needs root.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct ProcessOptions {
  /// "NAME=value" entries added to (or replacing in) the inherited environment.
  std::vector<std::string> env;
  /// The child is killed (SIGKILL) when it runs longer.
  std::chrono::milliseconds timeout{60'000};
  std::optional<RunAs> run_as;
  std::string cwd;         ///< empty: inherit
  std::string stdin_data;  ///< written to the child's stdin, which is then closed
};

struct ProcessResult {
  int exit_code = -1;      ///< exit status, or 128 + signal number when killed by a signal
  int term_signal = 0;     ///< the signal that ended the child, or 0
  bool timed_out = false;  ///< the timeout expired and the child was killed
  std::string out;         ///< everything the child wrote to stdout
  std::string err;         ///< everything the child wrote to stderr
};

/// Runs argv[0] (a path, or a name looked up in PATH) to completion. An error only when the
/// program could not be started; a failing program is a ProcessResult with exit_code != 0.
Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const ProcessOptions& options = {});

struct SpawnOptions {
  std::vector<std::string> env;  ///< as ProcessOptions::env
  std::optional<RunAs> run_as;
  std::string cwd;
  std::string stdout_path;  ///< appended to; empty: /dev/null
  std::string stderr_path;  ///< appended to; empty: /dev/null
};

/// A running child. It dies with the test process (PR_SET_PDEATHSIG) and is killed and
/// reaped on destruction if still running.
class ChildProcess {
 public:
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }
  /// False once the child has exited (and was reaped).
  bool running();
  /// Sends `signal`. kNotFound if the child has already exited.
  Result<void> kill(int signal);
  /// Waits up to `timeout` for the child to exit; its exit code as in ProcessResult.
  /// kUnavailable when it is still running after the timeout.
  Result<int> wait(std::chrono::milliseconds timeout);

 private:
  friend Result<ChildProcess> spawn_process(const std::vector<std::string>&, const SpawnOptions&);
  explicit ChildProcess(pid_t pid) noexcept : pid_(pid) {}
  bool reap(int flags);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

/// Starts argv[0] in the background.
Result<ChildProcess> spawn_process(const std::vector<std::string>& argv,
                                   const SpawnOptions& options = {});

}  // namespace sigil::testing
