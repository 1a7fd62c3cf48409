#pragma once
// A throw-away PostgreSQL 15 cluster for tests.
//
// start() makes a mkdtemp directory under /tmp, runs `initdb` (trust auth, superuser
// `postgres`, UTF8, C locale, no fsync) and `pg_ctl start` listening on a unix socket in that
// directory and on 127.0.0.1 at a free port. The destructor (or stop()) stops it with
// `pg_ctl stop -m immediate` and removes the directory.
//
// initdb refuses to run as root. As root, the directory is chown()ed to the `postgres` OS
// user and initdb/pg_ctl run as that user (fork, setgroups/setgid/setuid, exec); otherwise
// they run as the current user. Either way the test process connects over the socket as the
// database superuser `postgres`.
//
// A cluster is also stopped when the test binary exits without destroying it (atexit) or is
// killed by a catchable signal, and start() removes clusters left behind by test processes
// that no longer exist (SIGKILL, a crash), so a failed run never breaks the next one.
//
// Thread-safety: start() and stop() from one thread; the accessors from any thread.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/testing/process.hpp"

namespace sigil::testing {

struct PgClusterOptions {
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  int max_connections = 200;
};

class PgCluster {
 public:
  static Result<std::unique_ptr<PgCluster>> start(const PgClusterOptions& options = {});

  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  ~PgCluster();

  /// Stops the server and removes its directory. Idempotent.
  void stop() noexcept;

  /// Stops the server (fast shutdown: clients are disconnected), waits `down_for`, and starts
  /// it again on the same port and socket, keeping every database.
  Result<void> restart(std::chrono::milliseconds down_for = std::chrono::milliseconds(0));

  /// Kills the postmaster and every one of its backends with SIGKILL, as a crash of the
  /// database host would (the OS cache survives, so nothing committed is lost), and waits until
  /// they are gone. Transactions in flight are lost; start_after_crash() runs crash recovery.
  Result<void> crash();
  /// Starts the server again after crash(), on the same port and socket (crash recovery).
  Result<void> start_after_crash();

  /// The cluster directory; also the unix socket directory.
  const std::string& socket_dir() const noexcept { return dir_; }
  int port() const noexcept { return port_; }
  pid_t postmaster_pid() const noexcept { return postmaster_pid_; }
  /// The server log (useful in failure messages).
  std::string log_path() const { return dir_ + "/postgres.log"; }

  /// libpq conninfo for database `dbname` as superuser `postgres`, over the unix socket.
  std::string conninfo_for(std::string_view dbname) const;

 private:
  PgCluster(std::string dir, const PgClusterOptions& options);
  Result<void> init();
  Result<void> start_server();
  Result<void> start_on(int port);
  Result<void> run_pg(const std::vector<std::string>& argv, std::string_view what) const;

  std::string dir_;
  PgClusterOptions options_;
  std::optional<RunAs> run_as_;  // set when we are root: initdb and pg_ctl run as `postgres`
  int port_ = 0;
  pid_t postmaster_pid_ = 0;
  int registry_slot_ = -1;
  bool stopped_ = false;
};

}  // namespace sigil::testing
