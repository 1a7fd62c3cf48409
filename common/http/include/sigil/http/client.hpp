#pragma once
// A small synchronous HTTP/1.1 client for sigilctl and tests: one request per call, one
// connection per request, an overall deadline. Plain HTTP only for now; https URLs fail with
// kUnsupported until the TLS client lands with the admin API.
//
// It runs Beast's async operations on a private io_context so that the deadline covers resolve,
// connect, write and read (Beast's synchronous calls have no timeouts).
//
// Thread-safety: each call is independent; calls may run concurrently on different threads.

#include <chrono>
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>

#include "sigil/base/result.hpp"
#include "sigil/http/address.hpp"

namespace sigil::http {

struct ClientResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

struct ClientRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;  // http://host:port/path?query
  std::string body;
  std::string content_type;
  std::chrono::milliseconds timeout{5'000};
  std::uint64_t body_limit = std::uint64_t{8} << 20;
};

/// Fails with kUnavailable (connect refused, timeout, reset; message names the URL and the
/// cause), kInvalidArgument (bad URL) or kUnsupported (https). Any HTTP status is a success.
Result<ClientResponse> send(const ClientRequest& request);

/// GET `url`.
Result<ClientResponse> get(std::string_view url,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace sigil::http
