#include "sts/tls/server_cert_watcher.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "sigil/base/ascii.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::sts::tls {
namespace {

constexpr const char* kChannel = "sigil_server_certs";
constexpr std::string_view kHostname;  // the default certificate

struct Built {
  crypto::SslCtxPtr context;
  crypto::CertInfo leaf;
};

Result<Built> build_context(const db::ServerCertRow& row, const crypto::MasterKey& master_key,
                            const ServerCertWatcherOptions& options) {
  if (!row.certificate_chain_pem) {
    return fail(Errc::kInternal, "the active server certificate row has no certificate");
  }
  SIGIL_TRY(crypto::EvpPkeyPtr key,
            crypto::open_private_key(master_key, row.private_key_ciphertext,
                                     db::server_cert_aad(row.hostname)));
  SIGIL_TRY(std::vector<crypto::X509Ptr> chain,
            crypto::parse_certificate_bundle(*row.certificate_chain_pem));
  crypto::ServerTlsConfig cfg;
  cfg.key = key.get();
  cfg.certificate = chain.front().get();
  for (std::size_t i = 1; i < chain.size(); ++i) cfg.chain.push_back(chain[i].get());
  cfg.client_cert_mode = options.client_cert_mode;
  cfg.clock = options.clock;
  Built out;
  SIGIL_TRY(out.context, crypto::make_server_tls_context(cfg));
  SIGIL_TRY(out.leaf, crypto::describe(chain.front().get()));
  return out;
}

constexpr auto kRetiredKeep = std::chrono::minutes(1);

}  // namespace

struct ServerCertWatcher::SniContexts {
  std::mutex mutex;
  std::map<std::string, crypto::SslCtxPtr, std::less<>> by_hostname;
  std::vector<std::pair<std::chrono::steady_clock::time_point, crypto::SslCtxPtr>> retired;

  // The exact hostname, else the wildcard one label up; nullptr: the default context.
  SSL_CTX* select(std::string_view server_name) {
    std::string name = ascii_lower(server_name);
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) return nullptr;
    std::lock_guard lock(mutex);
    if (auto it = by_hostname.find(name); it != by_hostname.end()) return it->second.get();
    const auto dot = name.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) return nullptr;
    if (auto it = by_hostname.find("*" + name.substr(dot)); it != by_hostname.end()) {
      return it->second.get();
    }
    return nullptr;
  }

  // Puts `ctx` (or nothing) under `hostname`; the old context is freed a minute later.
  void put(const std::string& hostname, crypto::SslCtxPtr ctx) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<crypto::SslCtxPtr> to_free;
    std::lock_guard lock(mutex);
    auto it = by_hostname.find(hostname);
    if (it != by_hostname.end()) {
      retired.emplace_back(now, std::move(it->second));
      if (ctx) {
        it->second = std::move(ctx);
      } else {
        by_hostname.erase(it);
      }
    } else if (ctx) {
      by_hostname.emplace(hostname, std::move(ctx));
    }
    auto old = std::partition(retired.begin(), retired.end(),
                              [&](const auto& r) { return now - r.first < kRetiredKeep; });
    for (auto i = old; i != retired.end(); ++i) to_free.push_back(std::move(i->second));
    retired.erase(old, retired.end());
  }
};

ServerCertWatcher::ServerCertWatcher(db::ConnectionPool& pool,
                                     const crypto::MasterKey& master_key, const log::Logger& log,
                                     metrics::Registry& metrics, ServerCertWatcherOptions options)
    : pool_(pool),
      master_key_(master_key),
      log_(log),
      reloads_(metrics.counter("sigil_server_cert_reloads_total",
                               "Server certificate loads from PostgreSQL, by trigger (start, "
                               "notify, poll, reconnect) and result (swapped, unchanged, none, "
                               "failed).",
                               {"trigger", "result"})),
      listen_connected_(metrics
                            .gauge("sigil_server_cert_listen_connected",
                                   "1 while the LISTEN connection for server certificate changes "
                                   "is up; 0 while polling is the only source.")
                            .with()),
      options_(std::move(options)),
      sni_(std::make_shared<SniContexts>()),
      watcher_(log, listen_connected_,
               service::ChangeWatcherOptions{options_.conninfo, kChannel, "server_cert",
                                             options_.poll_interval, options_.reconnect_delay}) {}

ServerCertWatcher::~ServerCertWatcher() { stop(); }

Result<std::optional<crypto::SslCtxPtr>> ServerCertWatcher::load_if_changed(const char* trigger) {
  auto row = db::transact(pool_, "read the active server certificate",
                          [](pqxx::dbtransaction& tx) {
                            return db::ServerCertStore(tx).active(kHostname);
                          });
  if (!row) {
    reloads_.with({{"trigger", trigger}, {"result", "failed"}}).inc();
    return unexpected(std::move(row).error());
  }
  if (!*row || (*row)->id == served_id_) {
    reloads_.with({{"trigger", trigger}, {"result", *row ? "unchanged" : "none"}}).inc();
    return std::optional<crypto::SslCtxPtr>();
  }
  auto built = build_context(**row, master_key_, options_);
  if (!built) {
    reloads_.with({{"trigger", trigger}, {"result", "failed"}}).inc();
    Error e = std::move(built).error();
    e.message = "server certificate " + std::to_string((*row)->id) + ": " + e.message;
    return unexpected(std::move(e));
  }
  SIGIL_TRY_VOID(attach_sni(built->context.get()));
  served_id_ = (*row)->id;
  reloads_.with({{"trigger", trigger}, {"result", "swapped"}}).inc();
  log_.info("server_cert.loaded", {{"hostname", "default"},
                                   {"id", served_id_},
                                   {"subject", built->leaf.subject},
                                   {"sha256", built->leaf.sha256_fingerprint},
                                   {"not_after", format_rfc3339(built->leaf.not_after)},
                                   {"trigger", trigger}});
  return std::optional<crypto::SslCtxPtr>(std::move(built->context));
}

Result<void> ServerCertWatcher::attach_sni(SSL_CTX* ctx) {
  std::shared_ptr<SniContexts> sni = sni_;
  return crypto::set_sni_selector(
      ctx, [sni](std::string_view server_name) { return sni->select(server_name); });
}

Result<std::optional<crypto::SslCtxPtr>> ServerCertWatcher::load() {
  reload_hosts("start");
  return load_if_changed("start");
}

void ServerCertWatcher::log_failure(const Error& e, const char* trigger,
                                    const std::string& hostname) {
  log_.warn("server_cert.load_failed", {{"trigger", trigger},
                                        {"hostname", hostname.empty() ? "default" : hostname},
                                        {"error", errc_name(e.code)},
                                        {"message", e.message},
                                        {"detail", e.detail},
                                        {"keeping", "the certificate served now"}});
}

void ServerCertWatcher::reload(const char* trigger) {
  reload_hosts(trigger);
  auto ctx = load_if_changed(trigger);
  if (!ctx) {
    log_failure(ctx.error(), trigger, "");
    return;
  }
  if (*ctx && install_) install_(std::move(**ctx));
}

void ServerCertWatcher::reload_host(const std::string& hostname, const char* trigger) {
  auto row = db::transact(pool_, "read the active server certificate",
                          [&](pqxx::dbtransaction& tx) {
                            return db::ServerCertStore(tx).active(hostname);
                          });
  if (!row) {
    reloads_.with({{"trigger", trigger}, {"result", "failed"}}).inc();
    log_failure(row.error(), trigger, hostname);
    return;
  }
  apply_host(hostname, *row, trigger);
}

void ServerCertWatcher::apply_host(const std::string& hostname,
                                   const std::optional<db::ServerCertRow>& row,
                                   const char* trigger) {
  auto served = served_hosts_.find(hostname);
  if (!row) {
    reloads_.with({{"trigger", trigger}, {"result", "none"}}).inc();
    if (served != served_hosts_.end()) {
      sni_->put(hostname, nullptr);
      served_hosts_.erase(served);
      log_.info("server_cert.dropped", {{"hostname", hostname}, {"trigger", trigger}});
    }
    return;
  }
  if (served != served_hosts_.end() && served->second == row->id) {
    reloads_.with({{"trigger", trigger}, {"result", "unchanged"}}).inc();
    return;
  }
  auto built = build_context(*row, master_key_, options_);
  if (!built) {
    reloads_.with({{"trigger", trigger}, {"result", "failed"}}).inc();
    Error e = std::move(built).error();
    e.message = "server certificate " + std::to_string(row->id) + ": " + e.message;
    log_failure(e, trigger, hostname);
    return;
  }
  sni_->put(hostname, std::move(built->context));
  served_hosts_[hostname] = row->id;
  reloads_.with({{"trigger", trigger}, {"result", "swapped"}}).inc();
  log_.info("server_cert.loaded", {{"hostname", hostname},
                                   {"id", row->id},
                                   {"subject", built->leaf.subject},
                                   {"sha256", built->leaf.sha256_fingerprint},
                                   {"not_after", format_rfc3339(built->leaf.not_after)},
                                   {"trigger", trigger}});
}

void ServerCertWatcher::reload_hosts(const char* trigger) {
  auto rows = db::transact(pool_, "read the active server certificates",
                           [](pqxx::dbtransaction& tx) {
                             return db::ServerCertStore(tx).active_hostnames();
                           });
  if (!rows) {
    reloads_.with({{"trigger", trigger}, {"result", "failed"}}).inc();
    log_failure(rows.error(), trigger, "*");
    return;
  }
  std::set<std::string> active;
  for (const auto& r : *rows) active.insert(r.hostname);
  std::vector<std::string> gone;
  for (const auto& [hostname, id] : served_hosts_) {
    if (active.count(hostname) == 0) gone.push_back(hostname);
  }
  for (const auto& hostname : gone) {
    sni_->put(hostname, nullptr);
    served_hosts_.erase(hostname);
    log_.info("server_cert.dropped", {{"hostname", hostname}, {"trigger", trigger}});
  }
  for (const auto& r : *rows) apply_host(r.hostname, r, trigger);
}

void ServerCertWatcher::start(Install install) {
  install_ = std::move(install);
  service::ChangeWatcher::Handlers handlers;
  // load() ran before start(): the first resync only confirms it.
  handlers.resync = [this](service::ChangeWatcher::Resync kind) {
    reload(service::ChangeWatcher::name(kind));
    return true;
  };
  handlers.notified = [this](const std::string& hostname) {
    if (hostname.empty()) {
      auto ctx = load_if_changed("notify");
      if (!ctx) {
        log_failure(ctx.error(), "notify", "");
      } else if (*ctx && install_) {
        install_(std::move(**ctx));
      }
    } else {
      reload_host(hostname, "notify");
    }
  };
  watcher_.start(std::move(handlers));
}

void ServerCertWatcher::stop() { watcher_.stop(); }

}  // namespace sigil::sts::tls
