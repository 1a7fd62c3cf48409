#pragma once
// Internal to tests/support: fork + exec done carefully. Everything the child needs is
// prepared before fork(), so the child only makes async-signal-safe calls (the test process
// may have other threads, e.g. a connection pool test).
//
// Thread-safety: pure functions; ExecPlan is a value.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/testing/process.hpp"

namespace sigil::testing::internal {

struct ExecPlan {
  std::string path;  // resolved executable
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;  // point into args / env
  std::vector<char*> envp;
  std::string cwd;
  std::optional<RunAs> run_as;
  bool die_with_parent = false;
};

/// Resolves argv[0] through PATH and merges `env` over the inherited environment.
Result<ExecPlan> make_plan(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, std::optional<RunAs> run_as,
                           std::string cwd);

/// Forks; the child puts the three fds on 0, 1 and 2 and execs the plan. Returns the child's
/// pid, or an error when fork or exec failed (exec errors come back through a CLOEXEC pipe).
Result<pid_t> fork_exec(const ExecPlan& plan, int stdin_fd, int stdout_fd, int stderr_fd);

/// waitpid status -> exit code (128 + signal when signalled); sets *term_signal.
int decode_status(int status, int* term_signal) noexcept;

/// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const noexcept { return fd_; }
  int release() noexcept;
  void reset() noexcept;

 private:
  int fd_ = -1;
};

/// pipe2(O_CLOEXEC): {read end, write end}.
Result<std::pair<Fd, Fd>> make_pipe();

}  // namespace sigil::testing::internal
