#pragma once
// Maps method + path to a handler. Patterns are literal segments and `{name}` segments that match
// exactly one non-empty segment, e.g. `/sts/STSService/{tenant}` or
// `/api/v1/tenants/{tenant}/tokens/validate`. When several patterns match, the one with the most
// literal segments wins. A path that matches no pattern is 404; one that matches only under other
// methods is 405 with an `Allow` header.
//
// Async handlers run on the connection's strand and must not block (docs/reference/style.md §6):
// anything that waits on PostgreSQL or burns CPU (XML signing) is registered with add_blocking()
// and runs on the blocking thread pool, or the handler itself uses run_blocking() (io_runtime.hpp).
//
// A request filter (set_filter) runs after a route matched and its `{name}` values are in
// Request::params, before the handler, on the connection's strand (it must not block): it may
// change the request (e.g. fill in `{tenant}` for a tenant-less path) or answer it itself.
//
// Thread-safety: build the router on one thread, then hand it to the Server; after that it is
// read-only and shared by every connection. A Router is copyable (one per listener).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include "sigil/http/message.hpp"

namespace sigil::http {

namespace net = boost::asio;

using AsyncHandler = std::function<boost::asio::awaitable<Response>(Request&)>;
using BlockingHandler = std::function<Response(Request&)>;

/// How the server answers when a handler on this route throws (a bug): 500 as plain text, as a
/// JSON error, or as a SOAP Receiver-side fault (wst:RequestFailed).
enum class ErrorStyle { kText, kJson, kSoap };

class Router {
 public:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    bhttp::verb method;
    std::string pattern;  // also the `endpoint` label of sigil_request_duration_seconds
    std::vector<Segment> segments;
    AsyncHandler async;  // exactly one of async / blocking is set
    BlockingHandler blocking;
    ErrorStyle errors;
  };
  /// A response ends the request there (the handler does not run); nullopt lets it run.
  using Filter = std::function<std::optional<Response>(Request&, const Route&)>;
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    std::string allow;  // for 405: "GET, POST"
  };

  /// `pattern` must start with `/`; the same method + pattern twice aborts (a programming error).
  void add(bhttp::verb method, std::string_view pattern, AsyncHandler handler,
           ErrorStyle errors = ErrorStyle::kText);
  void add_blocking(bhttp::verb method, std::string_view pattern, BlockingHandler handler,
                    ErrorStyle errors = ErrorStyle::kText);

  Match match(bhttp::verb method, std::string_view path) const;

  /// Every route added so far, in the order added: what a listener answers. Tests compare it
  /// with their own list (e.g. the admin API's authorization table) so that a new route cannot
  /// go untested.
  const std::vector<Route>& routes() const { return routes_; }

  /// Replaces the request filter (null: none).
  void set_filter(Filter filter) { filter_ = std::move(filter); }
  const Filter& filter() const { return filter_; }

 private:
  void insert(Route route);
  std::vector<Route> routes_;
  Filter filter_;
};

/// `error` in the route's style: a JSON error (rest_error), a SOAP fault (HTTP 500), or plain
/// text with the table's REST status. Sets request.fault.
Response error_response(Request& request, ErrorStyle style, const Error& error);

/// 421 Misdirected Request (RFC 9110 §15.5.20: this server will not answer for the target the
/// request names) in the route's style: JSON `{"error":"misdirected_request","message":...}`
/// or plain text with status 421; on SOAP routes a wst:InvalidRequest fault with HTTP 500, since
/// SOAP clients read a body only on 200 or 500 (docs/reference/wstrust.md §1.3).
/// Sets request.fault.
Response misdirected_request(Request& request, ErrorStyle style, std::string_view message);

}  // namespace sigil::http
