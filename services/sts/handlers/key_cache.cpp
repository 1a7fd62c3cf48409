#include "sts/handlers/key_cache.hpp"

#include <utility>
#include <vector>

#include <pqxx/result>
#include <pqxx/transaction>

#include "sigil/db/listener.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::sts::handlers {
namespace {

constexpr const char* kChannel = "sigil_keyset";
// How long one LISTEN wait lasts: the upper bound on how long stop() waits for the watcher.
constexpr std::chrono::milliseconds kWaitSlice{200};

struct TenantGeneration {
  std::string name;
  std::int64_t generation = 0;
};

}  // namespace

KeyCache::KeyCache(keys::SigningKeyLoader& loader, db::ConnectionPool& pool,
                   const log::Logger& log, metrics::Registry& metrics, KeyCacheOptions options)
    : loader_(loader),
      pool_(pool),
      log_(log),
      generation_(metrics.gauge("sigil_keyset_generation",
                                "Generation of the tenant's signing key set this replica holds.",
                                {"tenant"})),
      reloads_(metrics.counter("sigil_keyset_reloads_total",
                               "Key set loads, by what triggered them (notify, poll, "
                               "reconnect, start, request).",
                               {"trigger"})),
      listen_connected_(metrics
                            .gauge("sigil_keyset_listen_connected",
                                   "1 while the LISTEN connection for key set changes is up; "
                                   "0 while polling is the only source.")
                            .with()),
      options_(std::move(options)) {
  metrics.gauge_callback(
      "sigil_signing_cert_not_after_timestamp_seconds",
      "Expiry (Unix time) of each signing certificate this replica signs or verifies with.",
      {"tenant", "key_id", "state"}, [this] {
        std::vector<metrics::GaugeSample> out;
        std::lock_guard lock(mu_);
        for (const auto& [tenant, set] : sets_) {
          for (const auto& key : set->verifying) {
            out.push_back({{{"tenant", set->tenant}, {"key_id", key.key_id}, {"state", key.state}},
                           std::chrono::duration<double>(key.not_after.time_since_epoch()).count()});
          }
        }
        return out;
      });
}

KeyCache::~KeyCache() { stop(); }

void KeyCache::start() {
  if (watcher_.joinable() || options_.conninfo.empty()) return;
  watcher_ = std::thread([this] { watch(); });
}

void KeyCache::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

bool KeyCache::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

std::shared_ptr<const keys::TenantKeys> KeyCache::cached(std::string_view tenant) const {
  std::lock_guard lock(mu_);
  auto it = sets_.find(tenant);
  return it == sets_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<const keys::TenantKeys>> KeyCache::get(const std::string& tenant,
                                                              std::int64_t min_generation) {
  {
    std::lock_guard lock(mu_);
    auto it = sets_.find(tenant);
    if (it != sets_.end() && it->second->generation >= min_generation) return it->second;
  }
  return reload(tenant, "request");
}

void KeyCache::publish(std::shared_ptr<const keys::TenantKeys> set, const char* trigger) {
  bool newer = false;
  {
    std::lock_guard lock(mu_);
    auto& slot = sets_[set->tenant];
    // Loads may race (a request and the watcher): never replace a set with an older one.
    newer = !slot || slot->generation < set->generation;
    if (newer) slot = set;
  }
  reloads_.with({{"trigger", trigger}}).inc();
  if (!newer) return;
  generation_.with({{"tenant", set->tenant}}).set(static_cast<double>(set->generation));
  log_.info("keyset.loaded", {{"tenant", set->tenant}, {"generation", set->generation},
                              {"active_key", set->active().key_id},
                              {"verifying_keys", set->verifying.size()}, {"trigger", trigger}});
}

Result<std::shared_ptr<const keys::TenantKeys>> KeyCache::reload(const std::string& tenant,
                                                                 const char* trigger) {
  // Loading happens outside the lock; two concurrent loads of one tenant are harmless.
  auto loaded = loader_.load(tenant);
  if (!loaded) {
    log_.warn("keyset.load_failed", {{"tenant", tenant}, {"trigger", trigger},
                                     {"error", errc_name(loaded.error().code)},
                                     {"message", loaded.error().message},
                                     {"detail", loaded.error().detail}});
    return unexpected(std::move(loaded).error());
  }
  publish(*loaded, trigger);
  std::lock_guard lock(mu_);
  return sets_[tenant];
}

Result<void> KeyCache::reload_stale(const char* trigger, bool all) {
  SIGIL_TRY(std::vector<TenantGeneration> tenants,
            db::transact(pool_, "read key set generations",
                         [](pqxx::dbtransaction& tx) -> Result<std::vector<TenantGeneration>> {
                           std::vector<TenantGeneration> out;
                           for (const auto& row :
                                tx.exec("SELECT name, keyset_generation FROM tenants")) {
                             out.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>()});
                           }
                           return out;
                         }));
  std::vector<std::string> stale;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, std::shared_ptr<const keys::TenantKeys>, std::less<>> kept;
    for (const auto& t : tenants) {
      auto it = sets_.find(t.name);
      if (it == sets_.end()) {
        stale.push_back(t.name);
        continue;
      }
      if (all || it->second->generation < t.generation) stale.push_back(t.name);
      kept.emplace(it->first, it->second);
    }
    sets_ = std::move(kept);  // tenants deleted meanwhile are forgotten
  }
  for (const auto& name : stale) {
    // A tenant that cannot load (no active key yet, a key that does not open) is logged by
    // reload(); the others still load, and requests for it fail with the load's error.
    (void)reload(name, trigger);
  }
  return {};
}

void KeyCache::watch() {
  std::unique_ptr<db::Listener> listener;
  bool listen_lost_logged = false;
  auto last_poll = std::chrono::steady_clock::now();
  const char* load_trigger = "start";
  bool need_full_load = true;
  while (true) {
    {
      std::lock_guard lock(stop_mu_);
      if (stopping_) return;
    }
    if (!listener) {
      auto opened = db::Listener::open(options_.conninfo, {kChannel});
      if (opened) {
        listener = std::move(*opened);
        listen_connected_.set(1);
        if (listen_lost_logged) log_.info("keyset.listen_restored", {{"channel", kChannel}});
        listen_lost_logged = false;
        need_full_load = true;  // notifications sent while we were away are lost
        if (ready()) load_trigger = "reconnect";
      } else if (!listen_lost_logged) {
        listen_connected_.set(0);
        log_.warn("keyset.listen_lost", {{"channel", kChannel},
                                         {"message", opened.error().message},
                                         {"fallback", "polling"},
                                         {"poll_interval_ms", options_.poll_interval.count()}});
        listen_lost_logged = true;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (need_full_load || now - last_poll >= options_.poll_interval) {
      auto r = reload_stale(need_full_load ? load_trigger : "poll", need_full_load);
      last_poll = now;
      if (r) {
        need_full_load = false;
        if (!ready()) {
          ready_.store(true, std::memory_order_release);
          log_.info("keyset.ready", {});
        }
      }
    }
    if (!listener) {
      if (!sleep_for(options_.reconnect_delay)) return;
      continue;
    }
    auto note = listener->wait(kWaitSlice);
    if (!note) {
      listener.reset();
      listen_connected_.set(0);
      log_.warn("keyset.listen_lost", {{"channel", kChannel}, {"message", note.error().message},
                                       {"fallback", "polling"},
                                       {"poll_interval_ms", options_.poll_interval.count()}});
      listen_lost_logged = true;
      load_trigger = "reconnect";
      continue;
    }
    if (*note) (void)reload((*note)->payload, "notify");
  }
}

}  // namespace sigil::sts::handlers
