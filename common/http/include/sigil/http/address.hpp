#pragma once
// `host:port` listening addresses and `http://host:port/path` URLs.
//
//   parse_host_port("127.0.0.1:8443")   -> {"127.0.0.1", 8443}
//   parse_host_port("[::1]:0")          -> {"::1", 0}        (port 0: the kernel picks one)
//   parse_url("http://127.0.0.1:9443/healthz")
//   parse_cidrs("10.0.0.0/8, 192.168.1.7, fd00::/8")   (client-address rules: edge, reserve)
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "sigil/base/result.hpp"

namespace sigil::http {

struct HostPort {
  std::string host;  // IP literal or name, without brackets
  std::uint16_t port = 0;
};

/// Fails with kInvalidArgument and a message naming the input.
Result<HostPort> parse_host_port(std::string_view text);

/// "127.0.0.1:8443", "[::1]:8443".
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

struct Url {
  std::string scheme;  // "http" or "https"
  HostPort host_port;  // port defaults to 80 / 443
  std::string target;  // path and query, at least "/"
};

Result<Url> parse_url(std::string_view text);

/// One network: `10.0.0.0/8`, `192.168.1.7` (= /32), `::1`, `fd00::/8`. parse_cidrs stores an
/// IPv4-mapped network as the IPv4 one it maps (`::ffff:10.0.0.0/104` is `10.0.0.0/8`).
struct Cidr {
  boost::asio::ip::address network;
  unsigned prefix = 0;
};

/// A comma-separated list of CIDRs; kInvalidArgument naming the bad entry (also an IPv4-mapped
/// network with a prefix shorter than /96). Empty: none.
Result<std::vector<Cidr>> parse_cidrs(std::string_view list);
/// True when `address` is inside one of `networks` (an IPv4-mapped IPv6 address counts as IPv4).
bool contains(const std::vector<Cidr>& networks, const boost::asio::ip::address& address);

/// How the per-address connection limits count a client (docs/operations.md "Connection
/// limits"): `address` is the IPv4 address (an IPv4-mapped one too) or the IPv6 /64; `site` is
/// the IPv6 /56 holding that /64, empty for IPv4.
///   client_keys(10.1.2.3)              -> {"10.1.2.3", ""}
///   client_keys(2001:db8:0:1a::7)      -> {"2001:db8:0:1a::/64", "2001:db8::/56"}
struct ClientKeys {
  std::string address;
  std::string site;
};
ClientKeys client_keys(const boost::asio::ip::address& peer);

}  // namespace sigil::http
