#include "sts/routing/tenant_router.hpp"

#include <boost/beast/core/string.hpp>

#include "sigil/base/ascii.hpp"

namespace sigil::sts::routing {
namespace {

namespace bhttp = boost::beast::http;

bool same_tenant(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

bool has_tenant_segment(const http::Router::Route& route) {
  for (const auto& s : route.segments) {
    if (s.is_param && s.text == "tenant") return true;
  }
  return false;
}

RoutingDecision misdirected(std::string reason, std::string message) {
  RoutingDecision d;
  d.kind = RoutingDecision::Kind::kMisdirected;
  d.reason = std::move(reason);
  d.message = std::move(message);
  return d;
}

}  // namespace

std::string normalize_name(std::string_view name) {
  std::string out = ascii_lower(name);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string host_of(std::string_view host_header) {
  std::string_view h = host_header;
  if (!h.empty() && h.front() == '[') {
    const auto close = h.find(']');
    if (close != std::string_view::npos) h = h.substr(0, close + 1);
  } else if (const auto colon = h.rfind(':'); colon != std::string_view::npos) {
    h = h.substr(0, colon);
  }
  return normalize_name(h);
}

RoutingDecision decide(const RoutingInput& in) {
  if (!in.sni_tenant.empty() && !in.host_tenant.empty() &&
      !same_tenant(in.sni_tenant, in.host_tenant)) {
    return misdirected("sni_host_mismatch", "the TLS server name " + std::string(in.sni) +
                                                " belongs to tenant " + std::string(in.sni_tenant) +
                                                " but the Host " + std::string(in.host) +
                                                " to tenant " + std::string(in.host_tenant));
  }
  const bool by_sni = !in.sni_tenant.empty();
  const std::string_view named = by_sni ? in.sni_tenant : in.host_tenant;
  RoutingDecision d;
  if (in.path_tenant.empty()) {
    d.kind = named.empty() ? RoutingDecision::Kind::kNoTenant : RoutingDecision::Kind::kServe;
    d.tenant = std::string(named);
    return d;
  }
  if (!named.empty() && !same_tenant(named, in.path_tenant)) {
    return misdirected("path_mismatch",
                       "this request is for tenant " + std::string(in.path_tenant) + " but " +
                           (by_sni ? "the TLS server name " + std::string(in.sni)
                                   : "the Host " + std::string(in.host)) +
                           " belongs to tenant " + std::string(named) +
                           "; send it to a hostname of tenant " + std::string(in.path_tenant));
  }
  d.tenant = std::string(in.path_tenant);
  return d;
}

TenantRouter::TenantRouter(const HostnameCache& cache, const log::Logger& log,
                           metrics::Registry& metrics)
    : cache_(cache),
      log_(log),
      misdirected_(metrics.counter("sigil_misdirected_requests_total",
                                   "Requests refused because their TLS server name, Host header "
                                   "and path name different tenants (421 / SOAP fault).",
                                   {"reason"})) {}

void TenantRouter::set_fallback(std::string pattern, std::string tenant) {
  fallback_[std::move(pattern)] = std::move(tenant);
}

http::Router::Filter TenantRouter::filter() const {
  return
      [this](http::Request& r, const http::Router::Route& route) { return this->route(r, route); };
}

std::optional<http::Response> TenantRouter::route(http::Request& r,
                                                  const http::Router::Route& route) const {
  if (r.message.count(bhttp::field::host) > 1) {
    return http::error_response(r, route.errors,
                                make_error(Errc::kMalformedRequest, "more than one Host header"));
  }
  const bool tenant_less = !has_tenant_segment(route);
  const std::string sni = normalize_name(r.server_name);
  const std::string host = host_of(r.message[bhttp::field::host]);
  const std::string sni_tenant = cache_.tenant_of(sni);
  const std::string host_tenant = cache_.tenant_of(host);
  RoutingInput in;
  in.path_tenant = tenant_less ? std::string_view() : r.param("tenant");
  in.sni = sni;
  in.sni_tenant = sni_tenant;
  in.host = host;
  in.host_tenant = host_tenant;
  RoutingDecision d = decide(in);
  switch (d.kind) {
    case RoutingDecision::Kind::kMisdirected:
      misdirected_.with({{"reason", d.reason}}).inc();
      log_.warn("routing.misdirected", {{"reason", d.reason},
                                        {"path", r.path},
                                        {"path_tenant", in.path_tenant},
                                        {"sni", sni},
                                        {"sni_tenant", sni_tenant},
                                        {"host", host},
                                        {"host_tenant", host_tenant},
                                        {"remote", r.remote}});
      return http::misdirected_request(r, route.errors, d.message);
    case RoutingDecision::Kind::kNoTenant: {
      auto fb = fallback_.find(route.pattern);
      if (fb != fallback_.end()) {
        r.params["tenant"] = fb->second;
        return std::nullopt;
      }
      const std::string shown = !host.empty() ? host : (!sni.empty() ? sni : "(none)");
      return http::error_response(
          r, route.errors,
          make_error(Errc::kNotFound, "no tenant has the hostname " + shown +
                                          "; name the tenant in the path (/api/v1/tenants/"
                                          "{tenant}/..., /saml/metadata/{tenant})"));
    }
    case RoutingDecision::Kind::kServe:
      if (tenant_less) r.params["tenant"] = d.tenant;
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sigil::sts::routing
