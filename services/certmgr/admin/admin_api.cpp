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

http::Response AdminApi::handle(http::Request& request, const Handler& handler) {
  const std::string tenant(request.param("tenant"));
  const std::string method(request.message.method_string());
  Result<AdminActor> actor = fail(Errc::kInternal, "not run");
  Result<Reply> reply = fail(Errc::kInternal, "not run");
  // A pooled connection broken by a database restart fails the first transaction that meets it
  // (kUnavailable) and leaves the pool; one more attempt gets a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    actor = auth_.authenticate(request, tenant);
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
                    {"actor", actor ? actor->actor : std::string("-")},
                    {"auth", actor ? actor->method : std::string("-")},
                    {"method", method},
                    {"path", request.path},
                    {"status", status},
                    {"result", result},
                    {"error", error_detail}});
  return response;
}

void AdminApi::add(http::Router& router, bhttp::verb method, const std::string& pattern,
                   Handler handler) {
  router.add_blocking(
      method, std::string(kBase) + pattern,
      [this, handler = std::move(handler)](http::Request& r) { return handle(r, handler); },
      http::ErrorStyle::kJson);
}

void AdminApi::add_routes(http::Router& router) {
  const AdminDeps& d = deps_;
  auto bind = [&d](Result<Reply> (*fn)(const AdminDeps&, http::Request&, const AdminActor&)) {
    return [&d, fn](http::Request& r, const AdminActor& a) { return fn(d, r, a); };
  };
  add(router, bhttp::verb::get, "/whoami",
      [](http::Request&, const AdminActor& a) { return whoami(a); });
  add(router, bhttp::verb::get, "/signing-certs", bind(list_signing_certs));
  add(router, bhttp::verb::post, "/signing-certs", bind(add_signing_cert));
  add(router, bhttp::verb::get, "/signing-certs/{key_id}", bind(show_signing_cert));
  add(router, bhttp::verb::post, "/signing-certs/{key_id}/activate", bind(activate_signing_cert));
  add(router, bhttp::verb::post, "/signing-certs/{key_id}/export", bind(export_signing_key));
  add(router, bhttp::verb::post, "/signing-certs/refresh", bind(refresh_signing_cert));
  add(router, bhttp::verb::post, "/signing-certs/import", bind(import_signing_cert));
  add(router, bhttp::verb::get, "/rotation-preview", bind(preview_rotation));
  add(router, bhttp::verb::get, "/alarms", bind(list_alarms));
  add(router, bhttp::verb::post, "/run-once", bind(run_scheduler_once));
  add(router, bhttp::verb::get, "/audit-log", bind(read_audit_log));
  add(router, bhttp::verb::get, "/server-cert", bind(show_server_cert));
  add(router, bhttp::verb::post, "/server-cert/csr", bind(create_server_csr));
  add(router, bhttp::verb::post, "/server-cert/import", bind(import_server_cert));
  add(router, bhttp::verb::post, "/server-cert/self-signed", bind(self_signed_server_cert));
  add(router, bhttp::verb::post, "/server-cert/export", bind(export_server_cert));
  add(router, bhttp::verb::get, "/peers", bind(peers::list_peers));
  add(router, bhttp::verb::post, "/peers", bind(peers::add_peer));
  add(router, bhttp::verb::post, "/peers/remove", bind(peers::remove_peer));
  add(router, bhttp::verb::get, "/peers/identity", bind(peers::peer_identity));
  add(router, bhttp::verb::post, "/bundle/export", bind(export_bundle));
  add(router, bhttp::verb::post, "/bundle/import", bind(import_bundle));
  add(router, bhttp::verb::get, "/bundle/trusted-signers", bind(list_trusted_signers));
}

}  // namespace sigil::certmgr::admin
