#include "sts/app.hpp"

#include "sigil/saml/issuer.hpp"
#include "sigil/service/service_host.hpp"
#include "sigil/service/tls_setup.hpp"
#include "sts/handlers/wstrust_endpoint.hpp"
#include "sts/rest/publish_routes.hpp"
#include "sts/rest/token_routes.hpp"

namespace sigil::sts {
namespace {

crypto::ClientCertMode client_cert_mode(std::string_view name) {
  if (name == "required") return crypto::ClientCertMode::kRequired;
  if (name == "none") return crypto::ClientCertMode::kNone;
  return crypto::ClientCertMode::kOptional;
}

std::filesystem::path master_key_path(const StsConfig& cfg) {
  if (!cfg.data.master_key_file.empty()) return cfg.data.master_key_file;
  return std::filesystem::path(cfg.data.home) / "master.key";
}

}  // namespace

StsApp::StsApp(const StsConfig& cfg, const log::Logger& log, crypto::MasterKey&& master_key)
    : cfg_(cfg), log_(log), master_key_(std::move(master_key)) {}

StsApp::~StsApp() { stop(); }

Result<std::unique_ptr<StsApp>> StsApp::create(const StsConfig& cfg, service::ServiceHost& host,
                                               const log::Logger& log) {
  auto master_key = crypto::load_master_key(master_key_path(cfg));
  if (!master_key) {
    return fail(master_key.error().code,
                "cannot load the master key " + master_key_path(cfg).string() + ": " +
                    master_key.error().message);
  }
  std::unique_ptr<StsApp> app(new StsApp(cfg, log, std::move(*master_key)));
  SIGIL_TRY(app->xmlsec_, xml::XmlSecLibrary::create());
  db::PoolOptions pool;
  pool.max_connections = 16;
  app->pool_ = std::make_unique<db::ConnectionPool>(cfg.data.db, pool);
  identity::LoginThrottleOptions throttle;
  throttle.burst = static_cast<double>(cfg.login.attempts_burst);
  throttle.per_minute = static_cast<double>(cfg.login.attempts_per_minute);
  throttle.max_sources = static_cast<std::size_t>(cfg.login.sources_max);
  app->login_throttle_ = std::make_unique<identity::LoginThrottle>(throttle, host.registry());
  app->replay_cache_ =
      std::make_unique<wstrust::ReplayCache>(static_cast<std::size_t>(cfg.wss.replay_cache_entries));
  app->identity_ = std::make_unique<identity::IdentitySource>(*app->pool_, app->clock_, log,
                                                              app->login_throttle_.get());
  app->loader_ =
      std::make_unique<keys::SigningKeyLoader>(*app->pool_, app->master_key_, log, app->clock_);
  handlers::KeyCacheOptions cache;
  cache.conninfo = cfg.data.db;
  cache.poll_interval = std::chrono::milliseconds(cfg.keyset_poll_interval_ms);
  app->key_cache_ = std::make_unique<handlers::KeyCache>(*app->loader_, *app->pool_, log,
                                                         host.registry(), std::move(cache));
  handlers::KeyCache* key_cache = app->key_cache_.get();
  host.readiness().add_condition([key_cache]() -> std::string {
    return key_cache->ready() ? std::string() : "signing key sets not loaded yet";
  });
  handlers::TokenCoreOptions options;
  options.issuer_base = saml::issuer_base(cfg.tls.hostname);
  app->core_ = std::make_unique<handlers::TokenCore>(
      *app->identity_, *app->key_cache_, app->clock_, log, host.registry(), std::move(options));
  handlers::WsSecurityOptions wss;
  wss.timestamp_max_window = std::chrono::seconds(cfg.wss.timestamp_max_window_s);
  wss.timestamp_max_age = std::chrono::seconds(cfg.wss.timestamp_max_age_s);
  app->tokens_ = std::make_unique<handlers::TokenService>(*app->core_, *app->replay_cache_, log,
                                                          host.registry(), wss);
  routing::HostnameCacheOptions names;
  names.conninfo = cfg.data.db;
  names.poll_interval = std::chrono::milliseconds(cfg.keyset_poll_interval_ms);
  app->hostnames_ =
      std::make_unique<routing::HostnameCache>(*app->pool_, log, host.registry(), std::move(names));
  (void)app->hostnames_->load("start");  // logged; the watcher retries
  routing::HostnameCache* hostnames = app->hostnames_.get();
  host.readiness().add_condition([hostnames]() -> std::string {
    return hostnames->ready() ? std::string() : "tenant hostnames not loaded yet";
  });
  app->tenant_router_ =
      std::make_unique<routing::TenantRouter>(*app->hostnames_, log, host.registry());
  app->tenant_router_->set_fallback("/sts/STSService", cfg.default_tenant);
  routing::EdgeOptions edge;
  SIGIL_TRY(edge.trusted_proxies, routing::parse_cidrs(cfg.edge.trusted_proxies));
  edge.client_cert_header = cfg.edge.client_cert_header;
  edge.client_address_header = cfg.edge.client_address_header;
  app->edge_ = std::make_unique<routing::EdgeTrust>(std::move(edge), log, host.registry());
  SIGIL_TRY_VOID(app->build_server(host));
  return app;
}

Result<void> StsApp::build_server(service::ServiceHost& host) {
  // The default server certificate: the active one in PostgreSQL (sigilctl server-cert ...),
  // else HOME/tls (or --tls-cert/--tls-key), self-signed at first start.
  tls::ServerCertWatcherOptions watch;
  watch.conninfo = cfg_.data.db;
  watch.poll_interval = std::chrono::milliseconds(cfg_.keyset_poll_interval_ms);
  watch.client_cert_mode = client_cert_mode(cfg_.tls.client_cert);
  watch.clock = &clock_;
  server_cert_ = std::make_unique<tls::ServerCertWatcher>(*pool_, master_key_, log_,
                                                          host.registry(), std::move(watch));
  crypto::SslCtxPtr context;
  if (auto from_db = server_cert_->load(); !from_db) {
    log_.warn("server_cert.load_failed", {{"trigger", "start"},
                                          {"error", errc_name(from_db.error().code)},
                                          {"message", from_db.error().message},
                                          {"detail", from_db.error().detail},
                                          {"keeping", "HOME/tls"}});
  } else if (*from_db) {
    context = std::move(**from_db);
  }
  if (!context) {
    SIGIL_TRY(service::ServerCertificate cert,
              service::load_or_create_server_certificate(cfg_.data.home, cfg_.tls.cert_file,
                                                         cfg_.tls.key_file, cfg_.tls.hostname,
                                                         clock_, log_));
    crypto::ServerTlsConfig tls = service::server_tls_config(cert);
    tls.client_cert_mode = client_cert_mode(cfg_.tls.client_cert);
    tls.clock = &clock_;
    SIGIL_TRY(context, crypto::make_server_tls_context(tls));
    SIGIL_TRY_VOID(server_cert_->attach_sni(context.get()));  // per-hostname certificates
  }
  http::ServerLimits limits = service::listener_limits(cfg_.service);
  server_ = std::make_unique<http::Server>(host.runtime(), "main", limits, make_router(), log_,
                                           &host.request_observer());
  // Many clients may arrive through one trusted proxy (docs/edge.md): no per-address limit
  // for those.
  const routing::EdgeTrust* edge = edge_.get();
  server_->set_address_limit_exempt(
      [edge](const boost::asio::ip::address& peer) { return edge->trusted(peer); });
  http::TlsOptions tls_options;
  tls_options.context = std::move(context);
  SIGIL_TRY(auto endpoint, server_->listen(cfg_.service.listen, std::move(tls_options)));
  (void)endpoint;
  if (!cfg_.edge.upstream_listen.empty()) {
    // The reverse proxy's listener: the same routes, plain HTTP, trusted proxies only. Every
    // connection comes from a proxy's address, so no per-address limit here.
    limits.max_connections_per_address = 0;
    upstream_ = std::make_unique<http::Server>(host.runtime(), "upstream", limits, make_router(),
                                               log_, &host.request_observer());
    upstream_->set_peer_filter(
        [edge](const boost::asio::ip::address& peer) { return edge->trusted(peer); });
    SIGIL_TRY(auto upstream, upstream_->listen(cfg_.edge.upstream_listen));
    (void)upstream;
  }
  return {};
}

http::Router StsApp::make_router() {
  http::Router router;
  handlers::add_wstrust_routes(router, *tokens_, log_, cfg_.default_tenant);
  rest::add_token_routes(router, *core_, log_);
  rest::add_publish_routes(router, *core_, log_);
  // First the edge trust rule (it decides the client certificate), then the tenant routing.
  const routing::EdgeTrust* edge = edge_.get();
  const routing::TenantRouter* tenants = tenant_router_.get();
  router.set_filter([edge, tenants](http::Request& r, const http::Router::Route& route) {
    if (auto refused = edge->apply(r, route)) return refused;
    return tenants->route(r, route);
  });
  return router;
}

Result<void> StsApp::start() {
  key_cache_->start();
  hostnames_->start();
  server_->start();
  if (upstream_) upstream_->start();
  http::Server* server = server_.get();
  const log::Logger& log = log_;
  server_cert_->start([server, &log](crypto::SslCtxPtr context) {
    if (auto r = server->set_tls_context(std::move(context)); !r) {
      log.warn("server_cert.swap_failed", {{"message", r.error().message}});
    }
  });
  return {};
}

void StsApp::stop() {
  if (server_cert_) server_cert_->stop();
  if (upstream_) upstream_->stop();
  if (server_) server_->stop();
  if (hostnames_) hostnames_->stop();
  if (key_cache_) key_cache_->stop();
}

}  // namespace sigil::sts
