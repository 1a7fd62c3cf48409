#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <utility>

#include "process_exec.hpp"
#include "sigil/testing/process.hpp"

namespace sigil::testing {
namespace {

Result<internal::Fd> open_output(const std::string& path) {
  const char* target = path.empty() ? "/dev/null" : path.c_str();
  const int fd = ::open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(Errc::kInternal, "cannot open " + std::string(target), std::strerror(errno));
  }
  return internal::Fd(fd);
}

}  // namespace

Result<ChildProcess> spawn_process(const std::vector<std::string>& argv,
                                   const SpawnOptions& options) {
  SIGIL_TRY(auto plan, internal::make_plan(argv, options.env, options.run_as, options.cwd));
  plan.die_with_parent = true;
  const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) return fail(Errc::kInternal, "cannot open /dev/null", std::strerror(errno));
  internal::Fd in(in_fd);
  SIGIL_TRY(auto out, open_output(options.stdout_path));
  SIGIL_TRY(auto err, open_output(options.stderr_path));
  SIGIL_TRY(pid_t pid, internal::fork_exec(plan, in.get(), out.get(), err.get()));
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(other.exit_code_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    ChildProcess doomed(std::move(*this));
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = other.exit_code_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || exit_code_) return;
  ::kill(pid_, SIGKILL);
  reap(0);
}

// waitpid with `flags`; records the exit code. True once the child is reaped.
bool ChildProcess::reap(int flags) {
  if (exit_code_ || pid_ <= 0) return true;  // never waitpid(-1): that reaps any child
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, flags);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  int signal = 0;
  exit_code_ = internal::decode_status(status, &signal);
  return true;
}

bool ChildProcess::running() { return pid_ > 0 && !reap(WNOHANG); }

Result<void> ChildProcess::kill(int signal) {
  if (!running()) return fail(Errc::kNotFound, "the process has exited");
  if (::kill(pid_, signal) != 0) return fail(Errc::kInternal, "kill failed", std::strerror(errno));
  return {};
}

Result<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return fail(Errc::kInternal, "no process (moved from)");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(WNOHANG)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(Errc::kUnavailable, "the process is still running",
                  "pid " + std::to_string(pid_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *exit_code_;
}

}  // namespace sigil::testing
