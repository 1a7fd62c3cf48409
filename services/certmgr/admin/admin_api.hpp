#pragma once
// certmgr's admin API (docs/admin-api.md): JSON over HTTPS on --listen, under
// /api/v1/admin/tenants/{tenant}/. Every request is authenticated (admin_auth.hpp) before its
// handler runs; refusals are JSON errors (401/403/404) from the one error table. Every request
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

class AdminApi {
 public:
  explicit AdminApi(const AdminDeps& deps);

  /// Adds every admin route to `router`.
  void add_routes(http::Router& router);

  using Handler = std::function<Result<Reply>(http::Request&, const AdminActor&)>;

  const AdminDeps& deps() const { return deps_; }

 private:
  void add(http::Router& router, boost::beast::http::verb method, const std::string& pattern,
           Handler handler);
  http::Response handle(http::Request& request, const Handler& handler);

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
