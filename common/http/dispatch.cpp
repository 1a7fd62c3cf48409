// The non-template half of the connection code: routing, handler invocation with the one
// exception boundary for handlers, response finalisation and the access log.

#include <charconv>
#include <exception>
#include <optional>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "server_state.hpp"
#include "sigil/http/error_mapping.hpp"

namespace sigil::http::detail {
namespace {

Response internal_error(ErrorStyle style) {
  Error e = make_error(Errc::kInternal, "");
  switch (style) {
    case ErrorStyle::kJson:
      return rest_error(e);
    case ErrorStyle::kSoap:
      return make_response(bhttp::status::internal_server_error, soap_fault_body(e), kTextXml);
    case ErrorStyle::kText:
      break;
  }
  return plain(bhttp::status::internal_server_error, "internal error");
}

std::string format_ms(double seconds) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, seconds * 1000.0, std::chars_format::fixed, 3);
  return std::string(buf, r.ptr);
}

}  // namespace

Response plain(bhttp::status status, std::string_view reason) {
  return make_response(status, std::string(reason) + "\n", kTextPlain);
}

void finalize(Response& res, bool keep_alive) {
  res.version(11);
  res.keep_alive(keep_alive);
  res.prepare_payload();
}

net::awaitable<Exchange> handle(ServerState& st, Request& req) {
  Router::Match m = st.router.match(req.message.method(), req.path);
  if (m.outcome == Router::Outcome::kNotFound) {
    co_return Exchange{plain(bhttp::status::not_found, "not found"), "unmatched"};
  }
  if (m.outcome == Router::Outcome::kMethodNotAllowed) {
    Response res = plain(bhttp::status::method_not_allowed, "method not allowed");
    res.set(bhttp::field::allow, m.allow);
    co_return Exchange{std::move(res), "unmatched"};
  }
  const Router::Route& route = *m.route;
  req.params = std::move(m.params);
  std::optional<Response> res;
  std::string what = "unknown exception";
  try {
    if (st.router.filter()) res = st.router.filter()(req, route);  // may answer by itself
    if (!res && route.blocking) {
      res = co_await run_blocking(st.runtime.blocking(), [&] { return route.blocking(req); });
    } else if (!res) {
      res = co_await route.async(req);
    }
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  if (!res) {
    st.logger.error("http.handler.exception",
                    {{"listener", st.name}, {"endpoint", route.pattern}, {"what", what}});
    if (st.observer != nullptr) st.observer->on_internal_error(st.name);
    co_return Exchange{internal_error(route.errors), route.pattern};
  }
  co_return Exchange{std::move(*res), route.pattern};
}

void log_access(const ServerState& st, const AccessRecord& r) {
  if (st.observer != nullptr) st.observer->on_request(r);
  std::string status = std::to_string(r.status);
  std::string ms = format_ms(r.duration_s);
  if (r.fault.empty()) {
    st.logger.info("http.access", {{"listener", r.listener},
                                   {"method", r.method},
                                   {"path", r.path},
                                   {"status", status},
                                   {"duration_ms", ms},
                                   {"bytes", r.bytes},
                                   {"remote", r.remote}});
    return;
  }
  st.logger.info("http.access", {{"listener", r.listener},
                                 {"method", r.method},
                                 {"path", r.path},
                                 {"status", status},
                                 {"fault", r.fault},
                                 {"duration_ms", ms},
                                 {"bytes", r.bytes},
                                 {"remote", r.remote}});
}

unsigned status_for_read_error(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == bhttp::error::need_more || ec == bhttp::error::buffer_overflow) {
    return 0;
  }
  // Every other parse error (bad method, bad Content-Length, Content-Length together with
  // Transfer-Encoding, bad chunk, ...) is a malformed request. Timeouts, resets and closes are not.
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return 400;
  return 0;
}

}  // namespace sigil::http::detail
