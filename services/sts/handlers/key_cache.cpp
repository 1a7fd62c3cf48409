#include "sts/handlers/key_cache.hpp"

#include <utility>
#include <vector>

#include <pqxx/result>
#include <pqxx/transaction>

#include "sigil/db/transact.hpp"

namespace sigil::sts::handlers {
namespace {

constexpr const char* kChannel = "sigil_keyset";

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
      options_(std::move(options)),
      watcher_(log, listen_connected_,
               service::ChangeWatcherOptions{options_.conninfo, kChannel, "keyset",
                                             options_.poll_interval, options_.reconnect_delay}) {
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
  service::ChangeWatcher::Handlers handlers;
  handlers.resync = [this](service::ChangeWatcher::Resync kind) { return resync(kind); };
  handlers.notified = [this](const std::string& tenant) { (void)reload(tenant, "notify"); };
  watcher_.start(std::move(handlers));
}

void KeyCache::stop() { watcher_.stop(); }

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

bool KeyCache::resync(service::ChangeWatcher::Resync kind) {
  const bool all = kind != service::ChangeWatcher::Resync::kPoll;
  if (!reload_stale(service::ChangeWatcher::name(kind), all)) return false;
  if (!ready()) {
    ready_.store(true, std::memory_order_release);
    log_.info("keyset.ready", {});
  }
  return true;
}

}  // namespace sigil::sts::handlers
