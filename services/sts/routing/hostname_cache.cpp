#include "sts/routing/hostname_cache.hpp"

#include <utility>

#include "sigil/db/transact.hpp"

namespace sigil::sts::routing {
namespace {

constexpr const char* kChannel = "sigil_tenant_hostnames";

}  // namespace

HostnameCache::HostnameCache(db::ConnectionPool& pool, const log::Logger& log,
                             metrics::Registry& metrics, HostnameCacheOptions options)
    : log_(log),
      pool_(pool),
      count_(metrics
                 .gauge("sigil_tenant_hostnames_held",
                        "Tenant hostnames this replica routes by (TLS SNI name, Host header).")
                 .with()),
      reloads_(metrics.counter("sigil_tenant_hostname_reloads_total",
                               "Reloads of the tenant hostname map, by trigger (start, notify, "
                               "poll, reconnect) and result (changed, unchanged, failed).",
                               {"trigger", "result"})),
      listen_connected_(metrics
                            .gauge("sigil_tenant_hostnames_listen_connected",
                                   "1 while the LISTEN connection for tenant hostname changes "
                                   "is up; 0 while polling is the only source.")
                            .with()),
      options_(std::move(options)),
      map_(std::make_shared<const db::HostnameMap>()),
      watcher_(log, listen_connected_,
               service::ChangeWatcherOptions{options_.conninfo, kChannel, "tenant_hostnames",
                                             options_.poll_interval, options_.reconnect_delay}) {}

HostnameCache::~HostnameCache() { stop(); }

Result<void> HostnameCache::load(const char* trigger) {
  auto loaded = db::transact(pool_, "read tenant hostnames", [](pqxx::dbtransaction& tx) {
    return db::TenantStore(tx).hostname_map();
  });
  if (!loaded) {
    reloads_.with({{"trigger", trigger}, {"result", "failed"}}).inc();
    log_.warn("tenant_hostnames.load_failed", {{"trigger", trigger},
                                               {"error", errc_name(loaded.error().code)},
                                               {"message", loaded.error().message},
                                               {"detail", loaded.error().detail}});
    return unexpected(std::move(loaded).error());
  }
  auto fresh = std::make_shared<const db::HostnameMap>(std::move(*loaded));
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = *map_ != *fresh;
    if (changed) map_ = fresh;
  }
  const bool first = !ready_.exchange(true, std::memory_order_acq_rel);
  reloads_.with({{"trigger", trigger}, {"result", changed ? "changed" : "unchanged"}}).inc();
  count_.set(static_cast<double>(fresh->size()));
  if (changed || first) {
    log_.info("tenant_hostnames.loaded", {{"count", fresh->size()}, {"trigger", trigger}});
  }
  return {};
}

void HostnameCache::start() {
  service::ChangeWatcher::Handlers handlers;
  handlers.resync = [this](service::ChangeWatcher::Resync kind) {
    return load(service::ChangeWatcher::name(kind)).has_value();
  };
  handlers.notified = [this](const std::string&) { (void)load("notify"); };
  watcher_.start(std::move(handlers));
}

void HostnameCache::stop() { watcher_.stop(); }

std::string HostnameCache::tenant_of(std::string_view hostname) const {
  if (hostname.empty()) return {};
  std::shared_ptr<const db::HostnameMap> map;
  {
    std::lock_guard lock(mu_);
    map = map_;
  }
  auto it = map->find(hostname);
  return it == map->end() ? std::string() : it->second;
}

}  // namespace sigil::sts::routing
