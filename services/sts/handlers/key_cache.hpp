#pragma once
// The signing key sets sts holds in memory, one per tenant, and the watcher that keeps them
// current across replicas without a restart (issue: key set propagation).
//
// Readers get a shared_ptr<const TenantKeys> snapshot: a reload builds a whole new set and swaps
// the pointer, so a request never sees a half-loaded set (copy-on-write).
//
// How a change reaches this replica:
//   1. NOTIFY sigil_keyset (payload: tenant name), sent by the signing_keys trigger on commit:
//      the watcher thread keeps one LISTEN connection and reloads that tenant at once.
//   2. Polling: every `poll_interval` the watcher reads every tenant's keyset_generation and
//      reloads the tenants whose cached set is older — the fallback while the LISTEN connection
//      is down. When it comes back, everything is reloaded (notifications sent meanwhile are
//      lost).
//   3. get(tenant, min_generation): a request that read a newer generation with its tenant
//      policy loads the set itself (read-your-writes, even with the watcher lagging).
// ready() is false until the first full load has finished; /readyz answers 503 until then.
//
// Logs: keyset.loaded (tenant, generation, active_key, trigger), keyset.listen_lost (warn, once
// per outage), keyset.listen_restored, keyset.load_failed (warn). Metrics:
// sigil_keyset_generation{tenant}, sigil_keyset_reloads_total{trigger},
// sigil_keyset_listen_connected (gauge; 0 while polling is the only source),
// sigil_signing_cert_not_after_timestamp_seconds{tenant,key_id,state} of the sets held.
//
// Thread-safety: thread-safe. get() may load from PostgreSQL: call it on the blocking pool.
// start() and stop() from main's thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sigil/base/log.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/service/change_watcher.hpp"
#include "sts/keys/tenant_keys.hpp"

namespace sigil::sts::handlers {

struct KeyCacheOptions {
  std::string conninfo;  ///< for the LISTEN connection; empty: no watcher (tests)
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds reconnect_delay{1000};
};

class KeyCache {
 public:
  KeyCache(keys::SigningKeyLoader& loader, db::ConnectionPool& pool, const log::Logger& log,
           metrics::Registry& metrics, KeyCacheOptions options);
  ~KeyCache();
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  /// Starts the watcher thread, which loads every tenant's set first.
  void start();
  /// Stops and joins the watcher. Idempotent.
  void stop();
  /// True once the first full load finished.
  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

  /// The cached key set of `tenant` (its name as stored), or null; never touches PostgreSQL.
  std::shared_ptr<const keys::TenantKeys> cached(std::string_view tenant) const;

  /// The tenant's key set at `min_generation` or newer; loads it when the cached one is older
  /// or absent.
  Result<std::shared_ptr<const keys::TenantKeys>> get(const std::string& tenant,
                                                      std::int64_t min_generation = 0);

 private:
  // The watcher's resync: loads every tenant whose cached generation differs from the
  // database's (all tenants at start and after a reconnect).
  bool resync(service::ChangeWatcher::Resync kind);
  // Loads every tenant whose cached generation differs from the database's (all: every one).
  Result<void> reload_stale(const char* trigger, bool all);
  Result<std::shared_ptr<const keys::TenantKeys>> reload(const std::string& tenant,
                                                         const char* trigger);
  void publish(std::shared_ptr<const keys::TenantKeys> set, const char* trigger);

  keys::SigningKeyLoader& loader_;
  db::ConnectionPool& pool_;
  const log::Logger& log_;
  metrics::GaugeFamily& generation_;
  metrics::CounterFamily& reloads_;
  metrics::Gauge& listen_connected_;
  const KeyCacheOptions options_;

  mutable std::mutex mu_;  // guards sets_; declared before the metrics callback uses it
  std::map<std::string, std::shared_ptr<const keys::TenantKeys>, std::less<>> sets_;

  std::atomic<bool> ready_{false};
  service::ChangeWatcher watcher_;  // last: its thread uses everything above
};

}  // namespace sigil::sts::handlers
