#pragma once
// Which tenant a request is for. Paths name the tenant (`/sts/STSService/{tenant}`,
// `/api/v1/tenants/{tenant}/...`, `/saml/metadata/{tenant}`); a tenant's hostnames (TLS SNI name,
// Host header) name it too. The rules (docs/tls.md, "Routing requests to tenants"):
//   (a) the path names a tenant and the SNI name or the Host names another tenant -> refused;
//   (b) the SNI name and the Host name two different tenants -> refused;
//   (c) a tenant-less path (every route of the router without a `{tenant}` segment, e.g.
//       `/api/v1/tokens`) is served for the tenant the SNI name or Host names; without one it
//       gets the route's fallback tenant (`/sts/STSService`: --default-tenant) or a 404;
//   (d) a name that is no tenant's hostname (an IP address, a shared name, `localhost`) names no
//       tenant: the path alone decides, as before.
// Refusals are 421 Misdirected Request (JSON on REST and publishing routes) or a wst:InvalidRequest
// SOAP fault on the WS-Trust routes, logged once (`event=routing.misdirected`, warn) and counted
// in sigil_misdirected_requests_total{reason}; the handler never runs, so nothing is issued.
// A request with more than one Host header is 400 (a proxy and sts could read different ones).
//
// Thread-safety: decide() and the name helpers are pure. A TenantRouter is configured on main's
// thread, then its filter runs concurrently on io threads (never blocking: the cache is
// in-memory).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sts/routing/hostname_cache.hpp"

#include "sigil/base/log.hpp"
#include "sigil/http/router.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::sts::routing {

/// A DNS name as looked up: ASCII lower-case, one trailing dot dropped.
std::string normalize_name(std::string_view name);

/// The host name of a Host header value: the port dropped (`h:8443`), then normalize_name.
/// An IPv6 literal (`[::1]:8443`) keeps its brackets; it is never a tenant hostname.
std::string host_of(std::string_view host_header);

struct RoutingInput {
  std::string_view path_tenant;  ///< "" on a tenant-less path
  std::string_view sni;          ///< normalised SNI name, or ""
  std::string_view sni_tenant;   ///< the tenant whose hostname `sni` is, or ""
  std::string_view host;         ///< normalised Host name, or ""
  std::string_view host_tenant;  ///< the tenant whose hostname `host` is, or ""
};

struct RoutingDecision {
  enum class Kind {
    kServe,        ///< serve `tenant`
    kNoTenant,     ///< tenant-less path, and neither name is a tenant hostname
    kMisdirected,  ///< refuse (421 / SOAP fault): `reason`, `message`
  };
  Kind kind = Kind::kServe;
  std::string tenant;
  std::string reason;  ///< metric label: sni_host_mismatch, path_mismatch
  std::string message;
};

/// Rules (a)-(d) above. Tenant names compare case-insensitively (they are unique that way).
RoutingDecision decide(const RoutingInput& in);

class TenantRouter {
 public:
  /// `cache` and `log` must outlive the router and every filter it made.
  TenantRouter(const HostnameCache& cache, const log::Logger& log, metrics::Registry& metrics);

  /// The tenant a tenant-less `pattern` serves when neither name is a tenant hostname
  /// (default: none, 404).
  void set_fallback(std::string pattern, std::string tenant);
  /// The filter for http::Router::set_filter. Captures `this`.
  http::Router::Filter filter() const;

  /// What the filter does: fills in `{tenant}` or answers the request itself.
  std::optional<http::Response> route(http::Request& request,
                                      const http::Router::Route& route) const;

 private:
  const HostnameCache& cache_;
  const log::Logger& log_;
  metrics::CounterFamily& misdirected_;
  std::map<std::string, std::string, std::less<>> fallback_;  // pattern -> tenant
};

}  // namespace sigil::sts::routing
