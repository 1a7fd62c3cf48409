#include "process_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <utility>

extern char** environ;

namespace sigil::testing::internal {
namespace {

Result<std::string> resolve(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return fail(Errc::kNotFound, "program not found in PATH", name);
}

std::vector<std::string> merged_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const std::string& entry : extra) {
    const std::string name = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(name); });
    env.push_back(entry);
  }
  return env;
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const ExecPlan& plan, const int fds[3], int error_fd) {
  bool ok = true;
  for (int target = 0; target < 3; ++target) {
    if (fds[target] == target) {
      ::fcntl(target, F_SETFD, 0);
    } else if (::dup2(fds[target], target) < 0) {
      ok = false;
    }
  }
  if (plan.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ok = ok && (plan.cwd.empty() || ::chdir(plan.cwd.c_str()) == 0);
  if (ok && plan.run_as) {
    ok = ::setgroups(0, nullptr) == 0 && ::setgid(plan.run_as->gid) == 0 &&
         ::setuid(plan.run_as->uid) == 0;
  }
  if (ok) ::execve(plan.path.c_str(), plan.argv.data(), plan.envp.data());
  const int err = errno;
  [[maybe_unused]] ssize_t n = ::write(error_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int Fd::release() noexcept { return std::exchange(fd_, -1); }

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

Result<std::pair<Fd, Fd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(Errc::kInternal, "pipe2 failed", std::strerror(errno));
  }
  return std::make_pair(Fd(fds[0]), Fd(fds[1]));
}

Result<ExecPlan> make_plan(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, std::optional<RunAs> run_as,
                           std::string cwd) {
  if (argv.empty()) return fail(Errc::kInvalidArgument, "empty argv");
  ExecPlan plan;
  SIGIL_TRY(plan.path, resolve(argv[0]));
  plan.args = argv;
  plan.env = merged_env(env);
  for (std::string& a : plan.args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (std::string& e : plan.env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.cwd = std::move(cwd);
  plan.run_as = run_as;
  return plan;
}

Result<pid_t> fork_exec(const ExecPlan& plan, int stdin_fd, int stdout_fd, int stderr_fd) {
  SIGIL_TRY(auto error_pipe, make_pipe());
  const int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::kInternal, "fork failed", std::strerror(errno));
  if (pid == 0) exec_child(plan, fds, error_pipe.second.get());
  error_pipe.second.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_pipe.first.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return pid;  // EOF: the exec succeeded and closed the pipe
  ::waitpid(pid, nullptr, 0);
  return fail(Errc::kInternal, "cannot execute " + plan.path, std::strerror(child_errno));
}

int decode_status(int status, int* term_signal) noexcept {
  *term_signal = 0;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    *term_signal = WTERMSIG(status);
    return 128 + *term_signal;
  }
  return -1;
}

}  // namespace sigil::testing::internal
