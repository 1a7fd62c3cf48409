#include "admin_client.hpp"

#include <filesystem>

#include <boost/json.hpp>

#include "local_db.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/http/client.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

Result<http::ClientRequest> base_request(const SigilctlConfig& cfg) {
  http::ClientRequest req;
  req.timeout = std::chrono::milliseconds(cfg.timeout_ms);
  const std::string ca = cfg.ca_file.empty()
                             ? (std::filesystem::path(cfg.data.home) / "tls" / "server.crt").string()
                             : cfg.ca_file;
  if (cfg.server.rfind("https://", 0) == 0) {
    auto trust = read_text_file(ca);
    if (!trust) {
      return fail(Errc::kInvalidArgument,
                  "cannot read the server's CA certificate " + ca + " (set --ca-file)");
    }
    req.tls.trust_pem = std::move(*trust);
  }
  if (!cfg.token_file.empty()) {
    SIGIL_TRY(std::string token, read_text_file(cfg.token_file));
    token = trimmed(std::move(token));
    if (!token.empty() && token.front() == '<') token = crypto::base64_encode(crypto::bytes_of(token));
    if (token.empty()) return fail(Errc::kInvalidArgument, "the token file is empty: " + cfg.token_file);
    req.headers.emplace_back("Authorization", "SAML " + token);
  }
  if (!cfg.client_cert_file.empty() || !cfg.client_key_file.empty()) {
    if (cfg.client_cert_file.empty() || cfg.client_key_file.empty()) {
      return fail(Errc::kInvalidArgument, "--client-cert and --client-key go together");
    }
    SIGIL_TRY(req.tls.client_cert_pem, read_text_file(cfg.client_cert_file));
    SIGIL_TRY(req.tls.client_key_pem, read_text_file(cfg.client_key_file));
  }
  return req;
}

Errc errc_of(std::string_view name, unsigned status) {
  for (Errc c : kAllErrcs) {
    if (errc_name(c) == name) return c;
  }
  if (status == 401) return Errc::kUnauthenticated;
  if (status == 403) return Errc::kPermissionDenied;
  if (status == 404) return Errc::kNotFound;
  return status >= 500 ? Errc::kUnavailable : Errc::kInvalidArgument;
}

}  // namespace

std::string text_of(const json::value& o, std::string_view key) {
  if (!o.is_object()) return "-";
  const json::value* v = o.as_object().if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

Error error_of(const AdminAnswer& answer) {
  std::string message = text_of(answer.body, "message");
  if (message == "-") message = "certmgr answered HTTP " + std::to_string(answer.status);
  return make_error(errc_of(text_of(answer.body, "error"), answer.status), std::move(message));
}

Result<AdminAnswer> call_admin(const SigilctlConfig& cfg, boost::beast::http::verb method,
                               std::string_view path, const std::optional<json::object>& body,
                               std::string_view query) {
  SIGIL_TRY(http::ClientRequest req, base_request(cfg));
  std::string server = cfg.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  req.method = method;
  req.url = server + "/api/v1/admin/tenants/" + cfg.tenant + std::string(path);
  if (!query.empty()) req.url += "?" + std::string(query);
  if (body) {
    req.body = json::serialize(*body);
    req.content_type = "application/json";
  }
  auto res = http::send(req);
  if (!res) {
    return fail(res.error().code, "certmgr admin API at " + server + ": " + res.error().message);
  }
  std::error_code ec;
  json::value parsed = json::parse(res->body, ec);
  if (ec || !parsed.is_object()) {
    return fail(Errc::kUnavailable, "certmgr admin API at " + server + " answered HTTP " +
                                        std::to_string(res->status) + " without JSON");
  }
  AdminAnswer out;
  out.status = res->status;
  out.body = std::move(parsed);
  return out;
}

Result<json::value> admin_request(const SigilctlConfig& cfg, boost::beast::http::verb method,
                                  std::string_view path, const std::optional<json::object>& body,
                                  std::string_view query) {
  SIGIL_TRY(AdminAnswer a, call_admin(cfg, method, path, body, query));
  if (a.status < 200 || a.status >= 300) return unexpected(error_of(a));
  return std::move(a.body);
}

}  // namespace sigil::ctl
