#pragma once
// The HTTPS server certificate sts serves by default, from PostgreSQL, kept current without a
// restart (docs/tls.md).
//
// certmgr (sigilctl server-cert ...) stores server certificates in `server_certificates`, the
// key sealed with the master key. At start, load() reads the active row for the default
// hostname ('') and builds a TLS context from it; without one, sts keeps its HOME/tls
// certificate. The watcher thread then keeps one LISTEN sigil_server_certs connection (payload:
// hostname) and polls every `poll_interval` as a fallback; whenever the active row differs from
// the one served, it builds a new context and hands it to `install` (http::Server::
// set_tls_context): new connections get the new certificate, open ones finish with the old.
// A row that cannot be used (key does not open, bad PEM, key/certificate mismatch) is logged
// (warn server_cert.load_failed) and counted, and the served certificate stays.
//
// SNI: besides the default certificate (hostname ''), every active row of another hostname
// (a tenant's FQDN, or a wildcard `*.domain`) gets its own context, kept in a map hostname ->
// context shared with an SNI selector (crypto::set_sni_selector) that attach_sni() installs on
// each default context. Per handshake the selector picks the context whose hostname equals the
// SNI name (case-insensitive), else the wildcard `*.<name minus its first label>`, else keeps
// the default. A NOTIFY names the hostname to reload; poll and reconnect reload them all (and
// drop hostnames without an active row). Replaced contexts are kept a minute before they are
// freed, so a handshake that just picked one never sees it freed.
//
// Logs: server_cert.loaded (id, sha256, subject, not_after, trigger), server_cert.load_failed,
// server_cert.listen_lost (warn, once per outage), server_cert.listen_restored. Metrics:
// sigil_server_cert_reloads_total{trigger,result}, sigil_server_cert_listen_connected.
//
// Thread-safety: load() before start(); start()/stop() from main's thread; `install` is called
// from the watcher thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/tls_context.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/service/change_watcher.hpp"

namespace sigil::sts::tls {

struct ServerCertWatcherOptions {
  std::string conninfo;  ///< for the LISTEN connection; empty: no watcher thread
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds reconnect_delay{1000};
  crypto::ClientCertMode client_cert_mode = crypto::ClientCertMode::kOptional;
  const Clock* clock = nullptr;  ///< for the context's client-certificate checks
};

class ServerCertWatcher {
 public:
  using Install = std::function<void(crypto::SslCtxPtr)>;

  ServerCertWatcher(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                    const log::Logger& log, metrics::Registry& metrics,
                    ServerCertWatcherOptions options);
  ~ServerCertWatcher();
  ServerCertWatcher(const ServerCertWatcher&) = delete;
  ServerCertWatcher& operator=(const ServerCertWatcher&) = delete;

  /// A context for the active default certificate in the database, or nullopt when there is
  /// none; remembers which row it built, so the watcher swaps only on a change.
  Result<std::optional<crypto::SslCtxPtr>> load();

  /// Installs the SNI selector (per-hostname certificates) on the default context `ctx` before
  /// it is used; load() does it for the contexts it returns.
  Result<void> attach_sni(SSL_CTX* ctx);

  /// Starts the watcher thread; every change goes to `install`.
  void start(Install install);
  /// Stops and joins the watcher. Idempotent.
  void stop();

 private:
  // Reads the active row; a context when it differs from the one served.
  Result<std::optional<crypto::SslCtxPtr>> load_if_changed(const char* trigger);
  void reload(const char* trigger);
  // Hostname (not ''): loads, replaces or drops its context in the SNI map.
  void reload_host(const std::string& hostname, const char* trigger);
  void apply_host(const std::string& hostname, const std::optional<db::ServerCertRow>& row,
                  const char* trigger);
  // Every hostname: the active rows, and drops hostnames that have none any more.
  void reload_hosts(const char* trigger);
  void log_failure(const Error& e, const char* trigger, const std::string& hostname);

  struct SniContexts;  // shared with the selectors on the default contexts

  db::ConnectionPool& pool_;
  const crypto::MasterKey& master_key_;
  const log::Logger& log_;
  metrics::CounterFamily& reloads_;
  metrics::Gauge& listen_connected_;
  const ServerCertWatcherOptions options_;
  Install install_;
  std::int64_t served_id_ = 0;  // row id of the served certificate; 0: HOME/tls (watcher only)
  std::map<std::string, std::int64_t> served_hosts_;  // hostname -> row id in the SNI map
  std::shared_ptr<SniContexts> sni_;
  service::ChangeWatcher watcher_;  // last: its thread uses everything above
};

}  // namespace sigil::sts::tls
