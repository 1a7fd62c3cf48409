#pragma once
// The tenant hostnames sts routes by (tenant_hostnames, proto/sql/001 and 003), held in memory
// as one immutable hostname -> tenant map and kept current without a restart, like the key sets
// (key_cache.hpp):
//   1. NOTIFY sigil_tenant_hostnames (any change, sent on commit): the watcher thread keeps one
//      LISTEN connection and re-reads the whole table (it is small: a few names per tenant).
//   2. Polling every `poll_interval`, the fallback while the LISTEN connection is down; after a
//      reconnect the table is re-read too (notifications sent meanwhile are lost).
// A reload builds a new map and swaps the pointer, so a lookup never sees a half-loaded map.
// ready() is false until the first load; /readyz answers 503 until then.
//
// Logs: tenant_hostnames.loaded (count, trigger; only when the map changed),
// tenant_hostnames.load_failed (warn), tenant_hostnames.listen_lost / listen_restored.
// Metrics: sigil_tenant_hostnames_held (gauge), sigil_tenant_hostname_reloads_total
// {trigger,result} (result: changed, unchanged, failed), sigil_tenant_hostnames_listen_connected.
//
// Thread-safety: thread-safe; tenant_of() never blocks on PostgreSQL (io threads call it).
// load() reads PostgreSQL. start()/stop() from main's thread.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sigil/base/log.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/service/change_watcher.hpp"

namespace sigil::sts::routing {

struct HostnameCacheOptions {
  std::string conninfo;  ///< for the LISTEN connection; empty: no watcher (tests)
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds reconnect_delay{1000};
};

class HostnameCache {
 public:
  HostnameCache(db::ConnectionPool& pool, const log::Logger& log, metrics::Registry& metrics,
                HostnameCacheOptions options);
  ~HostnameCache();
  HostnameCache(const HostnameCache&) = delete;
  HostnameCache& operator=(const HostnameCache&) = delete;

  /// Reads the whole table now and swaps the map in (`trigger` for logs and metrics).
  Result<void> load(const char* trigger);
  /// Starts the watcher thread (which loads first).
  void start();
  /// Stops and joins the watcher. Idempotent.
  void stop();
  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

  /// The tenant (its name as stored) whose hostname is `hostname`, which must already be
  /// normalised (lower-case, no trailing dot: routing::normalize_name), or "".
  std::string tenant_of(std::string_view hostname) const;

 private:
  const log::Logger& log_;
  db::ConnectionPool& pool_;
  metrics::Gauge& count_;
  metrics::CounterFamily& reloads_;
  metrics::Gauge& listen_connected_;
  const HostnameCacheOptions options_;

  mutable std::mutex mu_;  // guards map_
  std::shared_ptr<const db::HostnameMap> map_;
  std::atomic<bool> ready_{false};
  service::ChangeWatcher watcher_;  // last: its thread uses everything above
};

}  // namespace sigil::sts::routing
