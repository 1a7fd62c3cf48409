#include "sigil/testing/pg_cluster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <thread>
#include <vector>

#include "pg_safety_net.hpp"
#include "process_exec.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kStartAttempts = 3;

// A port that was free a moment ago: bind 127.0.0.1:0 and ask which port we got. Another
// process may take it before postgres binds it; start_server() retries with a new port.
Result<int> free_port() {
  internal::Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return fail(Errc::kInternal, "socket failed", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return fail(Errc::kInternal, "cannot find a free port", std::strerror(errno));
  }
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<std::string> make_cluster_dir() {
  std::string pattern = "/tmp/" + std::string(internal::kClusterDirPrefix) + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(Errc::kInternal, "cannot create the cluster directory", std::strerror(errno));
  }
  std::ofstream(pattern + "/" + std::string(internal::kOwnerFile)) << ::getpid() << "\n";
  return pattern;
}

// initdb refuses to run as root: then everything runs as the `postgres` OS user.
Result<std::optional<RunAs>> postgres_identity(const std::string& dir) {
  if (::geteuid() != 0) return std::optional<RunAs>();
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) {
    return fail(Errc::kUnavailable,
                "running as root needs the `postgres` OS user (initdb refuses root)");
  }
  // mkdtemp made the directory 0700 root; postgres must own it to create data/ and sockets.
  if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return fail(Errc::kInternal, "cannot chown the cluster directory", std::strerror(errno));
  }
  return std::optional<RunAs>(RunAs{pw->pw_uid, pw->pw_gid});
}

// Pids whose parent is `parent` (from /proc/<pid>/stat: "pid (comm) state ppid ...").
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %ld", &state, &ppid) != 2) continue;
    if (ppid == parent) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

// True while `pid` exists and is not a zombie nobody has reaped yet.
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

}  // namespace

Result<std::unique_ptr<PgCluster>> PgCluster::start(const PgClusterOptions& options) {
  internal::sweep_stale_clusters();
  SIGIL_TRY(std::string dir, make_cluster_dir());
  // From here on the destructor removes the directory, whatever fails.
  std::unique_ptr<PgCluster> cluster(new PgCluster(std::move(dir), options));
  SIGIL_TRY(cluster->run_as_, postgres_identity(cluster->dir_));
  SIGIL_TRY_VOID(cluster->init());
  SIGIL_TRY_VOID(cluster->start_server());
  return cluster;
}

PgCluster::PgCluster(std::string dir, const PgClusterOptions& options)
    : dir_(std::move(dir)), options_(options) {}

PgCluster::~PgCluster() { stop(); }

Result<void> PgCluster::run_pg(const std::vector<std::string>& argv, std::string_view what) const {
  ProcessOptions opts;
  opts.run_as = run_as_;
  opts.cwd = dir_;  // a directory the postgres user may enter, unlike root's cwd
  opts.timeout = 90s;
  opts.env = {"LC_ALL=C", "TZ=UTC"};
  SIGIL_TRY(ProcessResult r, run_process(argv, opts));
  if (r.exit_code != 0) {
    return fail(Errc::kUnavailable, std::string(what) + " failed",
                "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") + ": " +
                    r.err + r.out);
  }
  return {};
}

Result<void> PgCluster::init() {
  return run_pg({options_.bin_dir + "/initdb", "-D", dir_ + "/data", "--auth=trust", "-U",
                 "postgres", "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions"},
                "initdb");
}

Result<void> PgCluster::start_on(int port) {
  const std::string server_options =
      "-k " + dir_ + " -c listen_addresses=127.0.0.1 -p " + std::to_string(port) +
      " -c max_connections=" + std::to_string(options_.max_connections) +
      " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
      " -c shared_buffers=32MB -c unix_socket_permissions=0777";
  return run_pg({options_.bin_dir + "/pg_ctl", "start", "-w", "-t", "60", "-D", dir_ + "/data",
                 "-l", log_path(), "-o", server_options},
                "pg_ctl start");
}

Result<void> PgCluster::start_server() {
  Result<void> last = fail(Errc::kInternal, "pg_ctl start was not attempted");
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    SIGIL_TRY(port_, free_port());
    last = start_on(port_);
    if (last) break;
    // A lost race for the port, most likely: make sure nothing half-started stays, retry.
    (void)run_pg({options_.bin_dir + "/pg_ctl", "stop", "-m", "immediate", "-D", dir_ + "/data"},
                 "pg_ctl stop");
  }
  if (!last) return last;
  postmaster_pid_ = internal::read_postmaster_pid(dir_ + "/data");
  registry_slot_ = internal::register_cluster(dir_, postmaster_pid_);
  return {};
}

Result<void> PgCluster::restart(std::chrono::milliseconds down_for) {
  if (stopped_) return fail(Errc::kInvalidArgument, "the cluster was stopped for good");
  SIGIL_TRY_VOID(run_pg({options_.bin_dir + "/pg_ctl", "stop", "-m", "fast", "-w", "-t", "30", "-D",
                         dir_ + "/data"},
                        "pg_ctl stop"));
  internal::unregister_cluster(registry_slot_);
  registry_slot_ = -1;
  postmaster_pid_ = 0;
  std::this_thread::sleep_for(down_for);
  SIGIL_TRY_VOID(start_on(port_));  // same port: clients reconnect to the same conninfo
  postmaster_pid_ = internal::read_postmaster_pid(dir_ + "/data");
  registry_slot_ = internal::register_cluster(dir_, postmaster_pid_);
  return {};
}

Result<void> PgCluster::crash() {
  if (stopped_ || postmaster_pid_ <= 0) return fail(Errc::kInvalidArgument, "not running");
  // Backends first would let the postmaster notice and restart them: stop it, then them.
  std::vector<pid_t> victims = children_of(postmaster_pid_);
  ::kill(postmaster_pid_, SIGKILL);
  for (pid_t p : victims) ::kill(p, SIGKILL);
  victims.push_back(postmaster_pid_);
  const auto until = std::chrono::steady_clock::now() + 30s;
  for (pid_t p : victims) {
    while (alive(p)) {
      if (std::chrono::steady_clock::now() > until) {
        return fail(Errc::kUnavailable, "PostgreSQL did not die", std::to_string(p));
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  internal::unregister_cluster(registry_slot_);
  registry_slot_ = -1;
  postmaster_pid_ = 0;
  return {};
}

Result<void> PgCluster::start_after_crash() {
  if (stopped_) return fail(Errc::kInvalidArgument, "the cluster was stopped for good");
  if (postmaster_pid_ > 0) return fail(Errc::kInvalidArgument, "still running");
  // After a host crash the lock files name processes that no longer exist. Here the killed
  // processes may linger as zombies (when no init reaps orphans, as in some containers), which
  // PostgreSQL would take for a running server; crash() saw them dead, so the locks go, as a
  // reboot would have made them stale.
  std::error_code ec;
  std::filesystem::remove(dir_ + "/data/postmaster.pid", ec);
  std::filesystem::remove(dir_ + "/.s.PGSQL." + std::to_string(port_) + ".lock", ec);
  SIGIL_TRY_VOID(start_on(port_));
  postmaster_pid_ = internal::read_postmaster_pid(dir_ + "/data");
  registry_slot_ = internal::register_cluster(dir_, postmaster_pid_);
  return {};
}

void PgCluster::stop() noexcept {
  if (stopped_) return;
  stopped_ = true;
  if (postmaster_pid_ > 0) {
    auto r = run_pg({options_.bin_dir + "/pg_ctl", "stop", "-m", "immediate", "-w", "-t", "30",
                     "-D", dir_ + "/data"},
                    "pg_ctl stop");
    if (!r) {
      const std::string pid_file = dir_ + "/data/postmaster.pid";
      internal::quit_postmaster(postmaster_pid_, pid_file.c_str(), 10'000);
    }
  }
  internal::unregister_cluster(registry_slot_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PgCluster::conninfo_for(std::string_view dbname) const {
  return "host=" + dir_ + " port=" + std::to_string(port_) +
         " user=postgres dbname=" + std::string(dbname);
}

}  // namespace sigil::testing
