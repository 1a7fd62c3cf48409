// The non-template half of the connection code: routing, handler invocation with the one
// exception boundary for handlers, response finalisation and the access log.

#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "server_state.hpp"
#include "sigil/base/ascii.hpp"
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

// RFC 9110 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Transfer codings that exist but Sigil does not implement: a request using one is 501.
bool is_known_coding(std::string_view token) {
  for (std::string_view known : {"chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress",
                                 "br", "zstd", "identity", "trailers"}) {
    if (equal_ignoring_ascii_case(token, known)) return true;
  }
  return false;
}

std::string_view trim_spaces(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

// One Transfer-Encoding value (no tab, no fold): 0 for exactly `chunked`, 501 for a list of
// codings that exist, 400 for anything else.
unsigned transfer_encoding_status(std::string_view value, std::string_view& reason) {
  value = trim_spaces(value);
  if (equal_ignoring_ascii_case(value, "chunked")) return 0;
  bool known = !value.empty();
  for (std::string_view rest = value; known;) {
    const std::size_t comma = rest.find(',');
    const std::string_view token = trim_spaces(rest.substr(0, comma));
    known = !token.empty() && std::all_of(token.begin(), token.end(), is_tchar) &&
            is_known_coding(token);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (known) {
    reason = "only chunked bodies are read: other Transfer-Encodings are refused";
    return 501;
  }
  reason = "malformed Transfer-Encoding";
  return 400;
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

std::size_t header_end(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    if (i == 0 || bytes[i - 1] != '\r') return std::string_view::npos;  // bare LF
    if (i >= 3 && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') return i + 1;
  }
  return 0;
}

unsigned check_framing(std::string_view raw, std::string_view& reason) {
  std::size_t line_start = raw.find("\r\n");  // skip the request line
  int transfer_encodings = 0;
  std::string_view transfer_encoding;
  while (line_start != std::string_view::npos && line_start + 2 < raw.size()) {
    line_start += 2;
    const std::size_t line_end = raw.find("\r\n", line_start);
    if (line_end == std::string_view::npos || line_end == line_start) break;  // the empty line
    const std::string_view line = raw.substr(line_start, line_end - line_start);
    line_start = line_end;
    if (line.front() == ' ' || line.front() == '\t') {
      reason = "obsolete line folding in a header";
      return 400;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos ||
        !equal_ignoring_ascii_case(line.substr(0, colon), "transfer-encoding")) {
      continue;  // Beast judges every other field
    }
    transfer_encoding = line.substr(colon + 1);
    if (++transfer_encodings > 1 || transfer_encoding.find('\t') != std::string_view::npos) {
      reason = "malformed Transfer-Encoding";
      return 400;
    }
  }
  return transfer_encodings == 0 ? 0 : transfer_encoding_status(transfer_encoding, reason);
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
