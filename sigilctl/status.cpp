#include "status.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "sigil/http/client.hpp"

namespace sigil::ctl {
namespace {

// Outcome of one GET: ok when 200; otherwise a one-line description.
std::pair<bool, std::string> check(std::string_view base_url, std::string_view path,
                                   int timeout_ms) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto r = http::get(url + std::string(path), std::chrono::milliseconds(timeout_ms));
  if (!r) return {false, r.error().message};
  std::string body = r->body.substr(0, 200);
  std::replace(body.begin(), body.end(), '\n', ' ');
  while (!body.empty() && body.back() == ' ') body.pop_back();
  if (r->status == 200) return {true, body};
  return {false, "HTTP " + std::to_string(r->status) + (body.empty() ? "" : ": " + body)};
}

void print(std::FILE* f, const std::string& s) { std::fwrite(s.data(), 1, s.size(), f); }

}  // namespace

ServiceStatus probe_service(std::string name, std::string_view base_url, int timeout_ms) {
  ServiceStatus s;
  s.name = std::move(name);
  s.url = std::string(base_url);
  std::tie(s.healthy, s.healthz) = check(base_url, "/healthz", timeout_ms);
  std::tie(s.ready, s.readyz) = check(base_url, "/readyz", timeout_ms);
  return s;
}

std::string format_table(const std::vector<ServiceStatus>& rows) {
  size_t name_w = 7;  // "SERVICE"
  size_t url_w = 3;
  size_t health_w = 7;  // "HEALTHZ"
  for (const auto& r : rows) {
    name_w = std::max(name_w, r.name.size());
    url_w = std::max(url_w, r.url.size());
    health_w = std::max(health_w, r.healthz.size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size() + 2, ' '); };
  std::string out =
      pad("SERVICE", name_w) + pad("URL", url_w) + pad("HEALTHZ", health_w) + "READYZ\n";
  for (const auto& r : rows) {
    out += pad(r.name, name_w) + pad(r.url, url_w) + pad(r.healthz, health_w) + r.readyz + "\n";
  }
  return out;
}

std::string format_json(const std::vector<ServiceStatus>& rows) {
  boost::json::array services;
  bool ok = true;
  for (const auto& r : rows) {
    ok = ok && r.healthy && r.ready;
    services.push_back({{"name", r.name},
                        {"url", r.url},
                        {"healthy", r.healthy},
                        {"ready", r.ready},
                        {"healthz", r.healthz},
                        {"readyz", r.readyz}});
  }
  boost::json::object root{{"ok", ok}, {"services", std::move(services)}};
  return boost::json::serialize(root) + "\n";
}

int run_status(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (!args.empty()) {
    print(err, "sigilctl: status takes no arguments (see sigilctl status --help)\n");
    return 2;
  }
  auto timeout = static_cast<int>(cfg.timeout_ms);
  std::vector<ServiceStatus> rows{probe_service("sts", cfg.sts_metrics, timeout),
                                  probe_service("certmgr", cfg.certmgr_metrics, timeout)};
  print(out, cfg.json ? format_json(rows) : format_table(rows));
  int code = 0;
  for (const auto& r : rows) {
    if (!r.healthy) {
      print(err, "sigilctl: " + r.name + " at " + r.url + " is not healthy: " + r.healthz + "\n");
      code = 1;
    } else if (!r.ready) {
      print(err, "sigilctl: " + r.name + " at " + r.url + " is not ready: " + r.readyz + "\n");
      code = 1;
    }
  }
  return code;
}

}  // namespace sigil::ctl
