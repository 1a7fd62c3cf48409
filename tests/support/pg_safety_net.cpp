#include "pg_safety_net.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace sigil::testing::internal {
namespace {

constexpr int kMaxClusters = 8;
constexpr std::size_t kPathMax = 256;

// Plain data only: read from signal handlers.
struct Slot {
  volatile sig_atomic_t active;
  pid_t owner;
  pid_t postmaster;
  char dir[kPathMax];
  char pid_file[kPathMax];
};

Slot g_slots[kMaxClusters];  // zero-initialised; no constructor runs
bool g_handlers_installed = false;

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS};

void remove_tree(const char* dir) noexcept {
  const pid_t pid = ::fork();
  if (pid == 0) {
    char* const argv[] = {const_cast<char*>("rm"), const_cast<char*>("-rf"), const_cast<char*>(dir),
                          nullptr};
    char* const envp[] = {nullptr};
    ::execve("/bin/rm", argv, envp);
    ::_exit(127);
  }
  if (pid > 0) ::waitpid(pid, nullptr, 0);
}

// Async-signal-safe: stops and removes every cluster this process owns.
void cleanup_owned() noexcept {
  const pid_t self = ::getpid();
  for (Slot& s : g_slots) {
    if (!s.active || s.owner != self) continue;
    s.active = 0;
    quit_postmaster(s.postmaster, s.pid_file, 5000);
    remove_tree(s.dir);
  }
}

void on_fatal_signal(int signal) {
  cleanup_owned();
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(signal, &dfl, nullptr);
  ::raise(signal);  // delivered with the default action once this handler returns
}

void install_handlers() {
  if (g_handlers_installed) return;
  g_handlers_installed = true;
  std::atexit(cleanup_owned);
  for (int signal : kSignals) {
    struct sigaction old {};
    ::sigaction(signal, nullptr, &old);
    if (old.sa_handler != SIG_DFL) continue;  // someone else (gtest, ASan) handles it
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(signal, &sa, nullptr);
  }
}

bool copy_path(char (&dst)[kPathMax], const std::string& src) {
  if (src.size() >= kPathMax) return false;
  std::memcpy(dst, src.c_str(), src.size() + 1);
  return true;
}

pid_t read_pid_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

// A killed test process can linger as a zombie until something reaps it: that is gone too.
bool process_is_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         (line[paren + 2] == 'Z' || line[paren + 2] == 'X');
}

bool owner_is_gone(const std::filesystem::path& dir) {
  const pid_t owner = read_pid_file(dir / kOwnerFile);
  if (owner > 0) return process_is_gone(owner);
  // No owner file: a start that died at once. Leave young ones to their (live) creator.
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime > 60;
}

}  // namespace

int register_cluster(const std::string& dir, pid_t postmaster_pid) noexcept {
  install_handlers();
  for (int i = 0; i < kMaxClusters; ++i) {
    Slot& s = g_slots[i];
    if (s.active) continue;
    if (!copy_path(s.dir, dir) || !copy_path(s.pid_file, dir + "/data/postmaster.pid")) return -1;
    s.owner = ::getpid();
    s.postmaster = postmaster_pid;
    s.active = 1;
    return i;
  }
  return -1;
}

void unregister_cluster(int slot) noexcept {
  if (slot >= 0 && slot < kMaxClusters) g_slots[slot].active = 0;
}

void quit_postmaster(pid_t postmaster_pid, const char* pid_file, int timeout_ms) noexcept {
  if (postmaster_pid <= 0 || ::kill(postmaster_pid, SIGQUIT) != 0) return;
  // The postmaster removes postmaster.pid as it exits (even in immediate mode). Polling the
  // file, not the pid, also works when nobody reaps the postmaster and it lingers as a zombie.
  const timespec step{0, 10'000'000};
  for (int waited = 0; waited < timeout_ms && ::access(pid_file, F_OK) == 0; waited += 10) {
    ::nanosleep(&step, nullptr);
  }
}

pid_t read_postmaster_pid(const std::string& data_dir) noexcept {
  return read_pid_file(std::filesystem::path(data_dir) / "postmaster.pid");
}

void sweep_stale_clusters() noexcept {
  std::error_code ec;
  std::filesystem::directory_iterator it("/tmp", ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (!name.starts_with(kClusterDirPrefix) || !entry.is_directory(type_ec)) continue;
    if (!owner_is_gone(entry.path())) continue;
    const std::string data = (entry.path() / "data").string();
    quit_postmaster(read_postmaster_pid(data), (data + "/postmaster.pid").c_str(), 5000);
    std::error_code ignored;  // best effort; e.g. another user's directory
    std::filesystem::remove_all(entry.path(), ignored);
  }
}

}  // namespace sigil::testing::internal
