#include "certmgr/admin/admin_api.hpp"

#include <exception>

#include <boost/json.hpp>

#include "certmgr/admin/bundle_routes.hpp"
#include "certmgr/admin/server_cert_routes.hpp"
#include "certmgr/peers/admin_routes.hpp"
#include "sigil/http/error_mapping.hpp"

namespace sigil::certmgr::admin {
namespace {

namespace bhttp = boost::beast::http;
constexpr std::string_view kBase = "/api/v1/admin/tenants/{tenant}";

std::string_view result_of(unsigned status) {
  if (status < 400) return "ok";
  if (status == 401) return "unauthenticated";
  if (status == 403) return "forbidden";
  if (status < 500) return "client_error";
  return "error";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Reply> whoami(const AdminActor& a) {
  Reply r;
  r.body = boost::json::object{{"tenant", a.tenant},
                               {"actor", a.actor},
                               {"method", a.method},
                               {"name", a.name}};
  return r;
}

}  // namespace

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%' && i + 2 < raw.size() + 0 && hex_value(raw[i + 1]) >= 0 &&
                 hex_value(raw[i + 2]) >= 0) {
        out += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
        i += 2;
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  return std::nullopt;
}

AdminApi::AdminApi(const AdminDeps& deps)
    : deps_(deps),
      auth_(*deps.pool, *deps.clock, deps.cfg->tls.sts_hostname, deps.cfg->system_tenant),
      requests_(deps.metrics->counter("sigil_admin_requests_total",
                                      "Admin API requests, by result (ok, unauthenticated, "
                                      "forbidden, client_error, error).",
                                      {"result"})) {
  deps_.auth = &auth_;
}

std::string_view access_name(Access access) {
  switch (access) {
    case Access::kTenant:
      return "tenant";
    case Access::kTenantHostnames:
      return "tenant-hostnames";
    case Access::kDeployment:
      return "deployment";
  }
  return "unknown";
}

Result<AdminActor> AdminApi::admit(const http::Request& request, const std::string& tenant,
                                   Access access, Result<AdminActor>& caller) const {
  caller = auth_.authenticate(request, tenant);
  if (!caller) return caller;
  if (access != Access::kDeployment || auth_.is_system_tenant(tenant)) return caller;
  // The credential is the path tenant's administrator's; the route needs the system tenant's.
  return auth_.authenticate_deployment_admin(request);
}

http::Response AdminApi::handle(http::Request& request, Access access, const Handler& handler) {
  const std::string tenant(request.param("tenant"));
  const std::string method(request.message.method_string());
  Result<AdminActor> caller = fail(Errc::kInternal, "not run");
  Result<AdminActor> actor = fail(Errc::kInternal, "not run");
  Result<Reply> reply = fail(Errc::kInternal, "not run");
  // A pooled connection broken by a database restart fails the first transaction that meets it
  // (kUnavailable) and leaves the pool; one more attempt gets a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    actor = admit(request, tenant, access, caller);
    reply = actor ? handler(request, *actor) : Result<Reply>(unexpected(actor.error()));
    if (reply || reply.error().code != Errc::kUnavailable) break;
    deps_.log->warn("admin.retry", {{"tenant", tenant}, {"message", reply.error().message}});
  }
  http::Response response;
  std::string error_detail;
  if (reply) {
    response = http::make_response(static_cast<bhttp::status>(reply->status),
                                   boost::json::serialize(reply->body) + "\n", http::kJson);
  } else {
    response = http::rest_error(reply.error());
    request.fault = std::string(errc_name(reply.error().code));
    error_detail = reply.error().to_string();
  }
  const unsigned status = response.result_int();
  const std::string_view result = result_of(status);
  requests_.with({{"result", std::string(result)}}).inc();
  const log::Level level = status >= 500 ? log::Level::kError
                           : status == 401 || status == 403 ? log::Level::kWarn
                                                            : log::Level::kInfo;
  deps_.log->write(level, "admin.request",
                   {{"tenant", tenant},
                    {"actor", caller ? caller->actor : std::string("-")},
                    {"auth", caller ? caller->method : std::string("-")},
                    {"access", access_name(access)},
                    {"method", method},
                    {"path", request.path},
                    {"status", status},
                    {"result", result},
                    {"error", error_detail}});
  return response;
}

void AdminApi::add(http::Router& router, bhttp::verb method, const std::string& pattern,
                   Access access, Handler handler) {
  router.add_blocking(
      method, std::string(kBase) + pattern,
      [this, access, handler = std::move(handler)](http::Request& r) {
        return handle(r, access, handler);
      },
      http::ErrorStyle::kJson);
}

// The "who may call" column of docs/admin-api.md; tests/integration/services/certmgr/
// admin_authz_test.cpp calls every route listed here as every kind of caller.
void AdminApi::add_routes(http::Router& router) {
  const AdminDeps& d = deps_;
  auto bind = [&d](Result<Reply> (*fn)(const AdminDeps&, http::Request&, const AdminActor&)) {
    return [&d, fn](http::Request& r, const AdminActor& a) { return fn(d, r, a); };
  };
  using enum Access;
  const auto get = bhttp::verb::get;
  const auto post = bhttp::verb::post;
  add(router, get, "/whoami", kTenant,
      [](http::Request&, const AdminActor& a) { return whoami(a); });
  add(router, get, "/signing-certs", kTenant, bind(list_signing_certs));
  add(router, post, "/signing-certs", kTenant, bind(add_signing_cert));
  add(router, get, "/signing-certs/{key_id}", kTenant, bind(show_signing_cert));
  add(router, post, "/signing-certs/{key_id}/activate", kTenant, bind(activate_signing_cert));
  add(router, post, "/signing-certs/{key_id}/export", kTenant, bind(export_signing_key));
  add(router, post, "/signing-certs/refresh", kTenant, bind(refresh_signing_cert));
  add(router, post, "/signing-certs/import", kTenant, bind(import_signing_cert));
  add(router, get, "/rotation-preview", kTenant, bind(preview_rotation));
  add(router, get, "/alarms", kTenant, bind(list_alarms));
  add(router, post, "/run-once", kDeployment, bind(run_scheduler_once));
  add(router, get, "/audit-log", kTenant, bind(read_audit_log));
  add(router, get, "/server-cert", kTenantHostnames, bind(show_server_cert));
  add(router, post, "/server-cert/csr", kTenantHostnames, bind(create_server_csr));
  add(router, post, "/server-cert/import", kTenantHostnames, bind(import_server_cert));
  add(router, post, "/server-cert/self-signed", kTenantHostnames, bind(self_signed_server_cert));
  add(router, post, "/server-cert/export", kTenantHostnames, bind(export_server_cert));
  add(router, get, "/peers", kDeployment, bind(peers::list_peers));
  add(router, post, "/peers", kDeployment, bind(peers::add_peer));
  add(router, post, "/peers/remove", kDeployment, bind(peers::remove_peer));
  add(router, get, "/peers/identity", kDeployment, bind(peers::peer_identity));
  add(router, post, "/bundle/export", kTenant, bind(export_bundle));
  add(router, post, "/bundle/import", kDeployment, bind(import_bundle));
  add(router, get, "/bundle/trusted-signers", kDeployment, bind(list_trusted_signers));
}

}  // namespace sigil::certmgr::admin
