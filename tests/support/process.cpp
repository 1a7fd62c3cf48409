#include "sigil/testing/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>

#include "process_exec.hpp"

namespace sigil::testing {
namespace {

using internal::Fd;
using SteadyClock = std::chrono::steady_clock;

// How long to keep reading after the child exited: a grandchild may hold the pipes open
// (pg_ctl's postmaster does not, but a careless daemon might), and we must not hang on it.
constexpr std::chrono::milliseconds kDrainAfterExit{200};

struct Pump {
  Fd in, out, err;
  std::string_view to_write;
};

void set_nonblocking(const Fd& fd) {
  if (fd.get() >= 0) ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
}

// Reads what is available from `fd` into `sink`; closes it at EOF or on error.
void drain(Fd& fd, std::string& sink) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      sink.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EINTR)) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    fd.reset();
    return;
  }
}

// Writing to a child that already exited raises SIGPIPE, which would kill the test binary.
// Block it around the write and swallow one that became pending.
ssize_t write_without_sigpipe(int fd, std::string_view data) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const ssize_t n = ::write(fd, data.data(), data.size());
  const int saved = errno;
  if (n < 0 && errno == EPIPE) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

void feed(Pump& p) {
  const ssize_t n = write_without_sigpipe(p.in.get(), p.to_write);
  if (n > 0) p.to_write.remove_prefix(static_cast<std::size_t>(n));
  if ((n < 0 && errno != EAGAIN && errno != EINTR) || p.to_write.empty()) p.in.reset();
}

// One poll round over the open pipes, for at most `wait`.
void pump_once(Pump& p, ProcessResult& r, std::chrono::milliseconds wait) {
  pollfd fds[3] = {{p.in.get(), POLLOUT, 0}, {p.out.get(), POLLIN, 0}, {p.err.get(), POLLIN, 0}};
  if (::poll(fds, 3, static_cast<int>(wait.count())) <= 0) return;
  if (fds[0].revents != 0) feed(p);
  if (fds[1].revents != 0) drain(p.out, r.out);
  if (fds[2].revents != 0) drain(p.err, r.err);
}

// Pumps the pipes until the child exited and they are drained, or the deadline passed.
void supervise(pid_t pid, Pump& p, ProcessResult& r, SteadyClock::time_point deadline) {
  std::optional<SteadyClock::time_point> exited_at;
  int status = 0;
  for (;;) {
    const bool open = p.out.get() >= 0 || p.err.get() >= 0;
    if (!exited_at && ::waitpid(pid, &status, WNOHANG) == pid) exited_at = SteadyClock::now();
    if (exited_at && (!open || SteadyClock::now() - *exited_at > kDrainAfterExit)) break;
    if (!exited_at && SteadyClock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    if (open) {
      pump_once(p, r, std::chrono::milliseconds(20));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  r.exit_code = internal::decode_status(status, &r.term_signal);
}

}  // namespace

Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const ProcessOptions& options) {
  SIGIL_TRY(auto plan, internal::make_plan(argv, options.env, options.run_as, options.cwd));
  SIGIL_TRY(auto in, internal::make_pipe());
  SIGIL_TRY(auto out, internal::make_pipe());
  SIGIL_TRY(auto err, internal::make_pipe());
  const auto deadline = SteadyClock::now() + options.timeout;
  SIGIL_TRY(pid_t pid,
            internal::fork_exec(plan, in.first.get(), out.second.get(), err.second.get()));
  // The child has its copies; ours of its ends must go, or we would never see EOF.
  in.first.reset();
  out.second.reset();
  err.second.reset();
  Pump p{std::move(in.second), std::move(out.first), std::move(err.first), options.stdin_data};
  if (p.to_write.empty()) p.in.reset();
  set_nonblocking(p.in);
  set_nonblocking(p.out);
  set_nonblocking(p.err);
  ProcessResult r;
  supervise(pid, p, r, deadline);
  return r;
}

}  // namespace sigil::testing
