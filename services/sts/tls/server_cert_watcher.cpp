#include "sts/tls/server_cert_watcher.hpp"

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

}  // namespace

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

Result<std::optional<crypto::SslCtxPtr>> ServerCertWatcher::load() {
  return load_if_changed("start");
}

void ServerCertWatcher::reload(const char* trigger) {
  auto ctx = load_if_changed(trigger);
  if (!ctx) {
    log_.warn("server_cert.load_failed", {{"trigger", trigger},
                                          {"error", errc_name(ctx.error().code)},
                                          {"message", ctx.error().message},
                                          {"detail", ctx.error().detail},
                                          {"keeping", "the certificate served now"}});
    return;
  }
  if (*ctx && install_) install_(std::move(**ctx));
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
    if (hostname.empty()) reload("notify");  // only the default certificate is served so far
  };
  watcher_.start(std::move(handlers));
}

void ServerCertWatcher::stop() { watcher_.stop(); }

}  // namespace sigil::sts::tls
