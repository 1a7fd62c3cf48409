#pragma once
// Internal to tests/support: making sure no PostgreSQL cluster outlives its test binary.
//
// Running clusters are recorded in a fixed-size table of plain data, so that an atexit
// handler and a signal handler (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, and SIGSEGV/SIGBUS
// unless a sanitizer owns them) can shut them down with async-signal-safe calls only:
// SIGQUIT to the postmaster (immediate shutdown), wait for postmaster.pid to go, then
// fork/exec `rm -rf`. What even that cannot catch (SIGKILL, a sanitizer's _exit) is swept by
// sweep_stale_clusters() on the next start: each cluster directory holds the pid of the test
// process that owns it, and directories whose owner is gone are stopped and removed.
//
// Thread-safety: register/unregister from the thread that starts clusters.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace sigil::testing::internal {

/// Cluster directories are /tmp/<kClusterDirPrefix>XXXXXX.
inline constexpr std::string_view kClusterDirPrefix = "sigil-pg-";
/// The file in a cluster directory naming the owning test process.
inline constexpr std::string_view kOwnerFile = "owner.pid";

/// Records a started cluster; returns its slot, or -1 if the table is full.
int register_cluster(const std::string& dir, pid_t postmaster_pid) noexcept;
void unregister_cluster(int slot) noexcept;

/// SIGQUIT to `postmaster_pid`, then waits (up to `timeout_ms`) for `pid_file` to disappear.
void quit_postmaster(pid_t postmaster_pid, const char* pid_file, int timeout_ms) noexcept;

/// The postmaster pid recorded in <data_dir>/postmaster.pid, or 0.
pid_t read_postmaster_pid(const std::string& data_dir) noexcept;

/// Stops and removes clusters under /tmp whose owning process no longer exists.
void sweep_stale_clusters() noexcept;

}  // namespace sigil::testing::internal
