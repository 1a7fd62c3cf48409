#pragma once
// Edge / DMZ mode (docs/edge.md): sts behind a TLS-terminating reverse proxy (nginx). The proxy
// verifies nothing for us; it only passes the client certificate it saw on, URL-encoded PEM in
// a header (nginx `$ssl_client_escaped_cert`), over a plain-HTTP listener for the proxy
// (--upstream-listen) or the HTTPS one.
//
// The trust rule: that header is believed ONLY when the TCP peer is a trusted proxy
// (--trusted-proxies CIDR,...). From a trusted proxy the forwarded certificate is the client
// certificate, and the only one (a certificate the proxy itself presented in its own TLS
// handshake is not the client's). From any other peer a request carrying the header is refused
// with 400 and never served: a client that reaches sts directly must not be able to claim a
// certificate it has no key for. The upstream listener also closes connections from peers
// outside --trusted-proxies at once (http::Server::set_peer_filter).
//
// The client's address: with --client-address-header (e.g. X-Real-IP, or X-Forwarded-For, of
// which the last entry, the one the nearest proxy appended, is taken), a trusted proxy's
// request gets Request::remote_address set to the address in that header, so that password
// throttling and per-address lockout (docs/identity.md) count the real client, not the proxy.
// From any other peer the header is ignored (clients send X-Forwarded-For of their own). A
// trusted proxy sending a value that is not an IP address is refused with 400. Request::remote
// (the access log's `remote`) stays the TCP peer.
//
// Thread-safety: immutable after construction; apply() runs concurrently on io threads.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "sigil/base/log.hpp"
#include "sigil/http/address.hpp"
#include "sigil/http/router.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::sts::routing {

// CIDR lists live in common/http (certmgr's reserved clients use them too).
using http::Cidr;
using http::contains;
using http::parse_cidrs;

/// `%XX` decoding (and '+' left as is, as nginx escapes it); kMalformedRequest on a bad escape.
Result<std::string> url_decode(std::string_view text);

struct EdgeOptions {
  std::vector<Cidr> trusted_proxies;
  std::string client_cert_header;  ///< empty: no forwarded certificates
  std::string client_address_header;  ///< empty: the TCP peer is the client
};

class EdgeTrust {
 public:
  EdgeTrust(EdgeOptions options, const log::Logger& log, metrics::Registry& metrics);

  bool trusted(const boost::asio::ip::address& peer) const {
    return contains(options_.trusted_proxies, peer);
  }
  /// Applies the trust rule to a request: sets Request::peer_certificate from the header of a
  /// trusted proxy, or answers 400 (in the route's style) for a header from anyone else or one
  /// that is not a PEM certificate. nullopt: go on.
  std::optional<http::Response> apply(http::Request& request,
                                      const http::Router::Route& route) const;

 private:
  std::optional<http::Response> refuse(http::Request& request, const http::Router::Route& route,
                                       std::string_view reason, std::string message,
                                       std::string_view header = {}) const;
  /// --client-address-header of a trusted proxy's request; a refusal for a malformed one.
  std::optional<http::Response> apply_client_address(http::Request& request,
                                                     const http::Router::Route& route) const;
  std::optional<http::Response> apply_client_certificate(http::Request& request,
                                                         const http::Router::Route& route,
                                                         bool from_proxy) const;

  const EdgeOptions options_;
  const log::Logger& log_;
  metrics::CounterFamily& refused_;
};

}  // namespace sigil::sts::routing
