#include "sigil/http/address.hpp"

#include <charconv>

namespace sigil::http {
namespace {

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

}  // namespace sigil::http
