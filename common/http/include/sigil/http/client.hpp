#pragma once
// A small synchronous HTTP/1.1 client for sigilctl and tests: one request per call, one
// connection per request, an overall deadline. http:// and https:// URLs.
//
// HTTPS: the server's certificate chain must verify against `tls.trust_pem` (the roots the
// caller trusts, e.g. sigilctl's --ca-file) and name the URL's host (DNS name, or IP address
// for an IP literal); TLS policy is crypto::make_client_tls_context's (TLS 1.2+, AEAD suites,
// ALPN http/1.1). An https request without trust_pem fails with kInvalidArgument rather than
// talk to an unverified server. A client certificate (PEM chain, leaf first) and its key may be
// presented; the handshake proves possession of the key.
//
// It runs Beast's async operations on a private io_context so that the deadline covers resolve,
// connect, handshake, write and read (Beast's synchronous calls have no timeouts).
//
// Thread-safety: each call is independent; calls may run concurrently on different threads.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "sigil/base/result.hpp"
#include "sigil/http/address.hpp"

namespace sigil::http {

struct ClientResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// HTTPS settings of a request (ignored for http:// URLs).
struct ClientTls {
  std::string trust_pem;        ///< PEM roots the server's chain must verify against
  std::string client_cert_pem;  ///< optional client certificate chain, leaf first
  std::string client_key_pem;   ///< its unencrypted PEM private key (secret)
};

struct ClientRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;  // http[s]://host:port/path?query
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields, e.g. Authorization
  ClientTls tls;
  std::chrono::milliseconds timeout{5'000};
  std::uint64_t body_limit = std::uint64_t{8} << 20;
};

/// Fails with kUnavailable (connect refused, timeout, reset, TLS handshake failed or the server
/// certificate did not verify; message names the URL and the cause) or kInvalidArgument (bad
/// URL, unusable TLS material). Any HTTP status is a success.
Result<ClientResponse> send(const ClientRequest& request);

/// GET `url`.
Result<ClientResponse> get(std::string_view url,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace sigil::http
