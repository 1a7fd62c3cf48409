#pragma once
// StsApp: the parts of sigil-sts behind its HTTPS listener, built from the frozen config once
// the ServiceHost runs: libxml2/xmlsec, the PostgreSQL pool, the master key, the identity source,
// the tenants' key sets and the token core, served over WS-Trust (POST /sts/STSService/{tenant}),
// the JSON REST API (/api/v1/tenants/{tenant}/tokens...) and the publishing endpoints
// (/api/v1/tenants/{tenant}/signing-certs[.pem], /saml/metadata/{tenant}), plus the tenant-less
// forms of these paths, routed by TLS SNI name / Host (routing/tenant_router.hpp); optionally a
// plain-HTTP listener for a reverse proxy (--upstream-listen, routing/edge.hpp).
//
// Thread-safety: create/start/stop from main's thread; the parts are thread-safe.

#include <memory>

#include "sigil/base/clock.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/http/server.hpp"
#include "sigil/service/service_host.hpp"
#include "sigil/xml/library.hpp"
#include "sts/config.hpp"
#include "sts/handlers/key_cache.hpp"
#include "sts/handlers/token_core.hpp"
#include "sts/handlers/token_service.hpp"
#include "sts/identity/identity_source.hpp"
#include "sts/identity/login_throttle.hpp"
#include "sts/keys/tenant_keys.hpp"
#include "sts/routing/edge.hpp"
#include "sts/routing/hostname_cache.hpp"
#include "sts/routing/tenant_router.hpp"
#include "sts/tls/server_cert_watcher.hpp"
#include "sts/wstrust/replay_cache.hpp"

namespace sigil::sts {

class StsApp {
 public:
  // Everything that can fail at startup fails here, with one clear message.
  static Result<std::unique_ptr<StsApp>> create(const StsConfig& cfg, service::ServiceHost& host,
                                                const log::Logger& log);
  ~StsApp();
  StsApp(const StsApp&) = delete;
  StsApp& operator=(const StsApp&) = delete;

  Result<void> start();
  void stop();

 private:
  StsApp(const StsConfig& cfg, const log::Logger& log, crypto::MasterKey&& master_key);
  Result<void> build_server(service::ServiceHost& host);
  http::Router make_router();

  const StsConfig& cfg_;
  const log::Logger& log_;
  SystemClock clock_;
  std::unique_ptr<xml::XmlSecLibrary> xmlsec_;
  crypto::MasterKey master_key_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<identity::LoginThrottle> login_throttle_;  // password attempts per source
  std::unique_ptr<wstrust::ReplayCache> replay_cache_;      // signed requests seen here
  std::unique_ptr<identity::IdentitySource> identity_;
  std::unique_ptr<keys::SigningKeyLoader> loader_;
  std::unique_ptr<handlers::KeyCache> key_cache_;
  std::unique_ptr<handlers::TokenCore> core_;
  std::unique_ptr<handlers::TokenService> tokens_;  // the WS-Trust adapter over core_
  std::unique_ptr<tls::ServerCertWatcher> server_cert_;  // the default certificate from PostgreSQL
  std::unique_ptr<routing::HostnameCache> hostnames_;
  std::unique_ptr<routing::TenantRouter> tenant_router_;
  std::unique_ptr<routing::EdgeTrust> edge_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Server> upstream_;  // --upstream-listen, or null
};

}  // namespace sigil::sts
