#include "sts/tls/server_cert_watcher.hpp"

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/listener.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::sts::tls {
namespace {

constexpr const char* kChannel = "sigil_server_certs";
constexpr std::string_view kHostname;  // the default certificate
// How long one LISTEN wait lasts: the upper bound on how long stop() waits for the watcher.
constexpr std::chrono::milliseconds kWaitSlice{200};

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
      options_(std::move(options)) {}

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
  if (watcher_.joinable() || options_.conninfo.empty()) return;
  install_ = std::move(install);
  watcher_ = std::thread([this] { watch(); });
}

void ServerCertWatcher::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

bool ServerCertWatcher::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void ServerCertWatcher::watch() {
  std::unique_ptr<db::Listener> listener;
  bool listen_lost_logged = false;
  bool need_load = false;  // load() ran at start; reload after a reconnect
  auto last_poll = std::chrono::steady_clock::now();
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
        if (listen_lost_logged) log_.info("server_cert.listen_restored", {{"channel", kChannel}});
        listen_lost_logged = false;
        need_load = true;  // notifications sent while we were away are lost
      } else if (!listen_lost_logged) {
        listen_connected_.set(0);
        log_.warn("server_cert.listen_lost",
                  {{"channel", kChannel},
                   {"message", opened.error().message},
                   {"fallback", "polling"},
                   {"poll_interval_ms", options_.poll_interval.count()}});
        listen_lost_logged = true;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (need_load || now - last_poll >= options_.poll_interval) {
      reload(need_load ? "reconnect" : "poll");
      need_load = false;
      last_poll = now;
    }
    if (!listener) {
      if (!sleep_for(options_.reconnect_delay)) return;
      continue;
    }
    auto note = listener->wait(kWaitSlice);
    if (!note) {
      listener.reset();
      listen_connected_.set(0);
      log_.warn("server_cert.listen_lost",
                {{"channel", kChannel},
                 {"message", note.error().message},
                 {"fallback", "polling"},
                 {"poll_interval_ms", options_.poll_interval.count()}});
      listen_lost_logged = true;
      continue;
    }
    if (*note && (*note)->payload.empty()) reload("notify");
  }
}

}  // namespace sigil::sts::tls
