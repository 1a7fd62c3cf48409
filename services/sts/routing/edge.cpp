#include "sts/routing/edge.hpp"

#include <charconv>

#include <boost/beast/http/field.hpp>

#include "sigil/crypto/x509.hpp"

namespace sigil::sts::routing {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return fail(Errc::kMalformedRequest, "bad %-escape");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

EdgeTrust::EdgeTrust(EdgeOptions options, const log::Logger& log, metrics::Registry& metrics)
    : options_(std::move(options)),
      log_(log),
      refused_(metrics.counter("sigil_forwarded_cert_refused_total",
                               "Requests refused (400) for a client-certificate header from a "
                               "peer outside --trusted-proxies, or one that is not a PEM "
                               "certificate.",
                               {"reason"})) {}

std::optional<http::Response> EdgeTrust::refuse(http::Request& r, const http::Router::Route& route,
                                                std::string_view reason, std::string message,
                                                std::string_view header) const {
  refused_.with({{"reason", std::string(reason)}}).inc();
  log_.warn("edge.forwarded_cert_refused", {{"reason", reason},
                                            {"path", r.path},
                                            {"header", header.empty() ? std::string_view(options_.client_cert_header) : header},
                                            {"remote", r.remote}});
  return http::error_response(r, route.errors,
                              make_error(Errc::kMalformedRequest, std::move(message)));
}

std::optional<http::Response> EdgeTrust::apply(http::Request& r,
                                               const http::Router::Route& route) const {
  const bool from_proxy = trusted(r.remote_address);
  if (from_proxy) {
    if (auto refused = apply_client_address(r, route)) return refused;
  }
  return apply_client_certificate(r, route, from_proxy);
}

std::optional<http::Response> EdgeTrust::apply_client_address(
    http::Request& r, const http::Router::Route& route) const {
  const std::string& name = options_.client_address_header;
  if (name.empty() || r.message.count(name) == 0) return std::nullopt;
  if (r.message.count(name) > 1) return refuse(r, route, "malformed", "more than one " + name, name);
  std::string_view value = r.message[name];
  // X-Forwarded-For: client, proxy1, ...: the last entry is the one our proxy appended.
  if (const auto comma = value.rfind(','); comma != std::string_view::npos) {
    value = value.substr(comma + 1);
  }
  boost::system::error_code ec;
  const ip::address client = ip::make_address(std::string(trim(value)), ec);
  if (ec) {
    return refuse(r, route, "malformed", "the header " + name + " is not an IP address", name);
  }
  r.remote_address = client;
  return std::nullopt;
}

std::optional<http::Response> EdgeTrust::apply_client_certificate(
    http::Request& r, const http::Router::Route& route, bool from_proxy) const {
  if (options_.client_cert_header.empty()) return std::nullopt;
  const std::string& name = options_.client_cert_header;
  const auto count = r.message.count(name);
  if (!from_proxy) {
    if (count == 0) return std::nullopt;
    return refuse(r, route, "untrusted_peer",
                  "the header " + name + " is accepted only from a trusted proxy");
  }
  // From a trusted proxy the forwarded certificate is the only client certificate.
  r.peer_certificate.reset();
  if (count == 0) return std::nullopt;
  if (count > 1) return refuse(r, route, "malformed", "more than one " + name + " header");
  const std::string_view value = trim(r.message[name]);
  if (value.empty()) return std::nullopt;  // nginx: the client sent no certificate
  auto pem = url_decode(value);
  if (!pem) return refuse(r, route, "malformed", "the header " + name + " is not URL-encoded PEM");
  auto cert = crypto::parse_certificate_pem(*pem);
  if (!cert) {
    return refuse(r, route, "malformed", "the header " + name + " is not a PEM certificate");
  }
  r.peer_certificate = std::move(*cert);
  return std::nullopt;
}

}  // namespace sigil::sts::routing
