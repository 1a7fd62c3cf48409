#pragma once
// certmgr's admin API (docs/admin-api.md): JSON over HTTPS on --listen, under
// /api/v1/admin/tenants/{tenant}/. Every route declares who may call it (Access, the "who may
// call" column of docs/admin-api.md) and every request is authenticated (admin_auth.hpp) and
// authorized for that before its handler runs; refusals are JSON errors (401/403/404) from the
// one error table. Every request
// produces one `event=admin.request` log line (tenant, actor, method, path, status, result) and
// counts in sigil_admin_requests_total{result}; every change is written to the audit log with
// the authenticated actor (KeySetStore's rows, the scheduler's rows, signing-key.export).
//
// Handlers are blocking (PostgreSQL, key generation, XML validation) and run on the server's
// blocking pool (router.hpp add_blocking).
//
// Thread-safety: the AdminApi is built once, then shared read-only by every connection; its
// parts (pool, master key, authenticator, registry) are thread-safe.

#include <functional>
#include <memory>
#include <string>

#include <boost/json/value.hpp>

#include "certmgr/admin/admin_auth.hpp"
#include "certmgr/config.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/http/router.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::certmgr::admin {

/// The answer of a handler: a status (200 unless said) and a JSON body.
struct Reply {
  unsigned status = 200;
  boost::json::value body;
};

struct AdminDeps {
  const CertmgrConfig* cfg = nullptr;
  db::ConnectionPool* pool = nullptr;
  const crypto::MasterKey* master_key = nullptr;
  const Clock* clock = nullptr;
  const log::Logger* log = nullptr;
  metrics::Registry* metrics = nullptr;
  /// Set by AdminApi: handlers call auth->authenticate_deployment_admin(request) for
  /// deployment-wide operations.
  const AdminAuthenticator* auth = nullptr;
};

/// Who may call a route. AdminApi checks it before the handler runs, so a handler never sees
/// a caller its route does not admit.
enum class Access {
  /// Administrators of the path's {tenant}; the route reads or changes that tenant only.
  kTenant,
  /// Administrators of the path's {tenant} for its own hostnames, administrators of the system
  /// tenant for every hostname: the handler finishes the check once it has read the hostname
  /// (server_cert_routes.hpp). The path's tenant must admit the caller first.
  kTenantHostnames,
  /// Administrators of the system tenant (--system-tenant) only: the route acts on the whole
  /// deployment, on several tenants, or on what tenants share (the scheduler, peers, trusted
  /// bundle signers). Another tenant's administrator is 403 whatever its path says.
  kDeployment,
};

/// "tenant", "tenant-hostnames", "deployment" (logs, tests).
std::string_view access_name(Access access);

class AdminApi {
 public:
  explicit AdminApi(const AdminDeps& deps);

  /// Adds every admin route to `router` (router.routes() lists them afterwards).
  void add_routes(http::Router& router);

  using Handler = std::function<Result<Reply>(http::Request&, const AdminActor&)>;

  const AdminDeps& deps() const { return deps_; }

 private:
  void add(http::Router& router, boost::beast::http::verb method, const std::string& pattern,
           Access access, Handler handler);
  http::Response handle(http::Request& request, Access access, const Handler& handler);
  /// The caller as the route admits it: authenticated for the path's tenant, then, for
  /// kDeployment, as an administrator of the system tenant. `caller` receives the first step's
  /// actor (for the log line of a refusal).
  Result<AdminActor> admit(const http::Request& request, const std::string& tenant,
                           Access access, Result<AdminActor>& caller) const;

  AdminDeps deps_;
  AdminAuthenticator auth_;
  metrics::CounterFamily& requests_;
};

// Handlers, by file. Each reads {tenant} (and {key_id}) from the request.
Result<Reply> list_signing_certs(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> show_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> add_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> activate_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> refresh_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> import_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> export_signing_key(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> list_alarms(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> run_scheduler_once(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> read_audit_log(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> preview_rotation(const AdminDeps& d, http::Request& r, const AdminActor& a);

/// The value of `name` in a query string ("a=1&b=2"), percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace sigil::certmgr::admin
