#include "sigil/http/address.hpp"

#include <charconv>

namespace sigil::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An IPv4-mapped network (`::ffff:10.0.0.0/104`) becomes the IPv4 network it maps
// (`10.0.0.0/8`), so that contains() compares it as IPv4 with a prefix of at most 32; a mapped
// prefix shorter than 96 would reach beyond the mapped range and is refused.
Result<Cidr> unmap_network(Cidr c, std::string_view text) {
  if (!c.network.is_v6() || !c.network.to_v6().is_v4_mapped()) return c;
  if (c.prefix < 96) {
    return fail(Errc::kInvalidArgument,
                "'" + std::string(text) +
                    "' is an IPv4-mapped network with a prefix shorter than /96; write the IPv4 "
                    "network instead (e.g. 10.0.0.0/8)");
  }
  c.network = ip::make_address_v4(ip::v4_mapped, c.network.to_v6());
  c.prefix -= 96;
  return c;
}

Result<Cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  Cidr c;
  c.network = ip::make_address(std::string(text.substr(0, slash)), ec);
  const unsigned bits = c.network.is_v4() ? 32 : 128;
  c.prefix = bits;
  bool ok = !ec;
  if (ok && slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    const auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), c.prefix);
    ok = !p.empty() && err == std::errc() && end == p.data() + p.size() && c.prefix <= bits;
  }
  if (!ok) {
    return fail(Errc::kInvalidArgument,
                "'" + std::string(text) + "' is not an IP address or CIDR (e.g. 10.0.0.0/8)");
  }
  return unmap_network(c, text);
}

// A prefix longer than the address never matches (parse_cidr never makes one; a Cidr built by
// hand might).
template <class Bytes>
bool prefix_matches(const Bytes& a, const Bytes& b, unsigned prefix) {
  if (prefix > a.size() * 8) return false;
  for (unsigned i = 0; i < prefix; ++i) {
    const unsigned mask = 0x80U >> (i % 8);
    if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
  }
  return true;
}

ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  return a;
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || value > 65535) {
    return fail(Errc::kInvalidArgument,
                "invalid port in '" + std::string(whole) + "' (expected 0-65535)");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  auto bad = [&] {
    return fail(Errc::kInvalidArgument,
                "invalid address '" + std::string(text) + "' (expected HOST:PORT or [IPv6]:PORT)");
  };
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad();
    }
    hp.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return bad();
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (hp.host.empty()) return bad();
  SIGIL_TRY(hp.port, parse_port(port, text));
  return hp;
}

std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return fail(Errc::kInvalidArgument, "invalid URL '" + std::string(text) + "' (no scheme)");
  }
  url.scheme = std::string(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return fail(Errc::kInvalidArgument,
                "invalid URL '" + std::string(text) + "' (scheme must be http or https)");
  }
  std::string_view rest = text.substr(sep + 3);
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  auto close = authority.rfind(']');
  bool has_port =
      authority.find(':', close == std::string_view::npos ? 0 : close) != std::string_view::npos;
  std::string with_port(authority);
  if (!has_port) with_port += url.scheme == "https" ? ":443" : ":80";
  auto hp = parse_host_port(with_port);
  if (!hp) return fail(Errc::kInvalidArgument, "invalid URL '" + std::string(text) + "'");
  url.host_port = std::move(*hp);
  return url;
}

Result<std::vector<Cidr>> parse_cidrs(std::string_view list) {
  std::vector<Cidr> out;
  while (!trim(list).empty()) {
    const auto comma = list.find(',');
    SIGIL_TRY(Cidr c, parse_cidr(trim(list.substr(0, comma))));
    out.push_back(c);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool contains(const std::vector<Cidr>& networks, const ip::address& address) {
  const ip::address a = unmapped(address);
  for (const Cidr& given : networks) {
    // parse_cidr has unmapped the network already; a Cidr built by hand may not have been.
    auto n = unmap_network(given, "");
    if (!n) continue;
    if (n->network.is_v4() && a.is_v4()) {
      if (prefix_matches(n->network.to_v4().to_bytes(), a.to_v4().to_bytes(), n->prefix)) {
        return true;
      }
    } else if (n->network.is_v6() && a.is_v6()) {
      if (prefix_matches(n->network.to_v6().to_bytes(), a.to_v6().to_bytes(), n->prefix)) {
        return true;
      }
    }
  }
  return false;
}

namespace {

// The first `bits` bits of `a` (a multiple of 8), as "network/bits".
std::string v6_prefix(const ip::address_v6& a, unsigned bits) {
  ip::address_v6::bytes_type bytes = a.to_bytes();
  for (unsigned i = bits / 8; i < bytes.size(); ++i) bytes[i] = 0;
  return ip::address_v6(bytes).to_string() + "/" + std::to_string(bits);
}

}  // namespace

ClientKeys client_keys(const ip::address& peer) {
  const ip::address a = unmapped(peer);
  if (a.is_v4()) return {a.to_string(), ""};
  return {v6_prefix(a.to_v6(), 64), v6_prefix(a.to_v6(), 56)};
}

}  // namespace sigil::http
