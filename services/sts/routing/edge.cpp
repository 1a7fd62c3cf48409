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
                                                std::string_view reason,
                                                std::string message) const {
  refused_.with({{"reason", std::string(reason)}}).inc();
  log_.warn("edge.forwarded_cert_refused", {{"reason", reason},
                                            {"path", r.path},
                                            {"header", options_.client_cert_header},
                                            {"remote", r.remote}});
  return http::error_response(r, route.errors,
                              make_error(Errc::kMalformedRequest, std::move(message)));
}

std::optional<http::Response> EdgeTrust::apply(http::Request& r,
                                               const http::Router::Route& route) const {
  if (options_.client_cert_header.empty()) return std::nullopt;
  const std::string& name = options_.client_cert_header;
  const auto count = r.message.count(name);
  const bool from_proxy = trusted(r.remote_address);
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
