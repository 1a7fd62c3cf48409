#pragma once
// Follows changes that PostgreSQL announces on a NOTIFY channel, for state a service caches
// (sts's key sets, its TLS server certificate). One thread keeps one LISTEN connection and
// calls the owner back:
//
//   notified(payload)   for each notification (a hint: re-read what it names);
//   resync(kind)        kStart once first, kReconnect after the LISTEN connection came back
//                       (notifications sent meanwhile are lost: re-read everything), kPoll every
//                       `poll_interval` (the fallback while the connection is down, and a safety
//                       net otherwise). A resync that returns false is retried on the next turn.
//
// While the connection is down it reopens it every `reconnect_delay`. Logs (prefix from the
// options): <prefix>.listen_lost (warn, once per outage, with the polling fallback),
// <prefix>.listen_restored. `connected` is set to 1/0 as the connection comes and goes.
//
// Thread-safety: start()/stop() from one thread; the callbacks run on the watcher thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "sigil/base/log.hpp"
#include "sigil/metrics/metric.hpp"

namespace sigil::service {

struct ChangeWatcherOptions {
  std::string conninfo;    ///< empty: start() does nothing
  std::string channel;     ///< e.g. "sigil_keyset"
  std::string log_prefix;  ///< e.g. "keyset"
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds reconnect_delay{1000};
};

class ChangeWatcher {
 public:
  enum class Resync { kStart, kReconnect, kPoll };
  struct Handlers {
    std::function<bool(Resync)> resync;
    std::function<void(const std::string& payload)> notified;
  };

  /// `log` and `connected` must outlive the watcher.
  ChangeWatcher(const log::Logger& log, metrics::Gauge& connected, ChangeWatcherOptions options);
  ~ChangeWatcher();
  ChangeWatcher(const ChangeWatcher&) = delete;
  ChangeWatcher& operator=(const ChangeWatcher&) = delete;

  void start(Handlers handlers);
  /// Stops and joins the thread (within one wait slice, 200 ms). Idempotent.
  void stop();

  /// "start", "reconnect", "poll": for logs and metric labels.
  static const char* name(Resync kind) noexcept;

 private:
  void run();
  bool sleep_for(std::chrono::milliseconds d);  // false when stopping
  void lost(const std::string& message);

  const log::Logger& log_;
  metrics::Gauge& connected_;
  const ChangeWatcherOptions options_;
  Handlers handlers_;
  bool lost_logged_ = false;  // watcher thread only

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread thread_;
};

}  // namespace sigil::service
