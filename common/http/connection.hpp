#pragma once
// Private to common/http: one HTTP/1.1 connection as a coroutine, templated on the stream type
// (TcpStream, or TlsStream = beast::ssl_stream<TcpStream>). Everything here runs on the
// connection's strand, so the members of Connection need no lock.
//
// Thread-safety: a Connection is touched only on its strand; the server reaches it by posting
// on_stop / on_force_close there.

#include <chrono>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server_state.hpp"
#include "sigil/crypto/crypto_error.hpp"

namespace sigil::http::detail {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

template <class Stream>
class Connection final : public ConnectionBase {
 public:
  Connection(Stream&& s, std::string peer, net::ip::address peer_address)
      : stream(std::move(s)), remote(std::move(peer)), address(peer_address) {}

  net::any_io_executor executor() override { return stream.get_executor(); }
  void on_stop() override {
    stop_requested = true;
    if (idle) close();
  }
  void on_force_close() override {
    stop_requested = true;
    close();
  }
  void close() { beast::get_lowest_layer(stream).close(); }
  auto& lowest() { return beast::get_lowest_layer(stream); }

  Stream stream;
  std::string remote;
  net::ip::address address;
  bool idle = false;            // waiting for the TLS handshake or the next request's first byte
  bool stop_requested = false;  // graceful stop: no further request on this connection
  bool closing = false;         // we answered with `Connection: close` and the peer is still there
  crypto::X509Ptr peer_certificate;  // TLS: the client certificate from the handshake, or null
  std::string server_name;           // TLS: the SNI name the client sent, or ""
};

// TLS: the handshake under its own deadline. Failures are counted and logged once; the OpenSSL
// error queue is drained so no later call on this thread reports them.
template <class Stream>
net::awaitable<bool> tls_handshake(const ServerState& st, Connection<Stream>& c) {
  c.idle = true;
  c.lowest().expires_after(st.limits.handshake_timeout);
  auto [ec] = co_await c.stream.async_handshake(net::ssl::stream_base::server);
  c.idle = false;
  if (ec) {
    std::string detail = crypto::drain_openssl_errors();
    st.logger.info(
        "http.tls.handshake_failed",
        {{"listener", st.name}, {"remote", c.remote}, {"error", ec.message()}, {"detail", detail}});
    if (st.observer != nullptr) st.observer->on_tls_handshake_failed(st.name);
    co_return false;
  }
  c.peer_certificate.reset(SSL_get1_peer_certificate(c.stream.native_handle()));
  const char* sni = SSL_get_servername(c.stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  if (sni != nullptr) c.server_name = sni;
  co_return !c.stop_requested;
}

// TLS: close_notify after our `Connection: close` answer (then the client's within the linger
// deadline), or in reply to the client's. A client that just closes (stream_truncated, eof) is
// normal for HTTP/1.1, whose messages carry their own length.
template <class Stream>
net::awaitable<void> tls_close_notify(const ServerState& st, Connection<Stream>& c) {
  bool peer_closed = (SSL_get_shutdown(c.stream.native_handle()) & SSL_RECEIVED_SHUTDOWN) != 0;
  if (!(c.closing || peer_closed) || !c.lowest().socket().is_open()) co_return;
  c.idle = true;  // a stop() now closes at once
  c.lowest().expires_after(st.limits.linger_timeout);
  auto [ec] = co_await c.stream.async_shutdown();
  c.idle = false;
  if (ec) crypto::drain_openssl_errors();  // stream_truncated, eof, timeout: nothing to do
}

// What the request learns from the transport.
template <class Stream>
void set_transport(const Connection<Stream>& c, Request& req) {
  req.remote = c.remote;
  req.remote_address = c.address;
  req.tls = kIsTls<Stream>;
  req.server_name = c.server_name;
  if (c.peer_certificate) req.peer_certificate = crypto::share(c.peer_certificate.get());
}

// Waits for the first byte of the next request, unless pipelined bytes are already buffered.
// Between keep-alive requests the idle deadline applies; before the first request the header one.
template <class Stream>
net::awaitable<bool> wait_for_request(const ServerState& st, Connection<Stream>& c,
                                      beast::flat_buffer& buffer, bool first) {
  if (buffer.size() > 0) co_return true;
  c.idle = true;
  c.lowest().expires_after(first ? st.limits.header_timeout : st.limits.idle_timeout);
  auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(4096));
  c.idle = false;
  if (ec) co_return false;  // EOF, deadline, or closed by stop()
  buffer.commit(n);
  co_return !c.stop_requested;
}

// After answering with an error and `Connection: close`: stop sending, read and drop what the
// client is still sending (so it sees our answer rather than a reset), then close.
template <class Stream>
net::awaitable<void> linger_and_close(const ServerState& st, Connection<Stream>& c) {
  boost::system::error_code ignored;
  c.lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  c.lowest().expires_after(st.limits.linger_timeout);
  beast::flat_buffer sink;
  for (std::size_t total = 0; total < st.limits.body_limit + st.limits.header_limit;) {
    sink.clear();
    auto [ec, n] = co_await c.stream.async_read_some(sink.prepare(std::size_t{16} << 10));
    if (ec) break;
    total += n;
  }
  c.close();
}

// Answers a request that could not be read (413, 431, 400) or closes silently.
template <class Stream>
net::awaitable<void> reject(const ServerState& st, Connection<Stream>& c,
                            const boost::system::error_code& ec,
                            const bhttp::request_parser<bhttp::string_body>& parser,
                            Clock::time_point start) {
  unsigned status = status_for_read_error(ec);
  if (status == 0) co_return;
  Response res = plain(static_cast<bhttp::status>(status), ec.message());
  finalize(res, false);
  c.lowest().expires_after(st.limits.write_timeout);
  auto [wec, n] = co_await bhttp::async_write(c.stream, res);
  std::string method = "-";
  std::string path = "-";
  if (!parser.get().target().empty()) {  // the request line was read
    method = std::string(parser.get().method_string());
    path = std::string(parser.get().target().substr(0, parser.get().target().find('?')));
  }
  log_access(st, {st.name, method, path, "rejected", status, "", c.remote, seconds_since(start),
                  res.body().size()});
  if (!wec) co_await linger_and_close(st, c);
}

// Reads one request, answers it. Returns whether the connection stays open.
template <class Stream>
net::awaitable<bool> serve_one(ServerState& st, Connection<Stream>& c, beast::flat_buffer& buffer) {
  const auto start = Clock::now();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(st.limits.header_limit);
  parser.body_limit(st.limits.body_limit);
  c.lowest().expires_after(st.limits.header_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(c.stream, buffer, parser);
  if (!ec && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
    std::tie(ec, n) = co_await bhttp::async_write(c.stream, cont);
  }
  if (!ec) {
    c.lowest().expires_after(st.limits.body_timeout);
    std::tie(ec, n) = co_await bhttp::async_read(c.stream, buffer, parser);
  }
  if (ec) {
    co_await reject(st, c, ec, parser, start);
    co_return false;
  }
  Request req;
  req.message = parser.release();
  std::string_view target = req.message.target();
  req.path = std::string(target.substr(0, target.find('?')));
  if (req.path.size() < target.size()) req.query = std::string(target.substr(req.path.size() + 1));
  set_transport(c, req);
  Exchange ex = co_await handle(st, req);
  bool keep = req.message.keep_alive() && !c.stop_requested && !st.stopping.load();
  finalize(ex.response, keep);
  c.lowest().expires_after(st.limits.write_timeout);
  auto [wec, wn] = co_await bhttp::async_write(c.stream, ex.response);
  c.closing = !keep && !wec;
  log_access(st,
             {st.name, req.message.method_string(), req.path, ex.endpoint, ex.response.result_int(),
              req.fault, c.remote, seconds_since(start), ex.response.body().size()});
  co_return keep && !wec;
}

template <class Stream>
net::awaitable<void> serve(std::shared_ptr<ServerState> st, std::shared_ptr<Connection<Stream>> c) {
  if constexpr (kIsTls<Stream>) {
    if (!co_await tls_handshake(*st, *c)) {
      c->close();
      co_return;
    }
  }
  beast::flat_buffer buffer;
  for (bool first = true; !c->stop_requested; first = false) {
    if (!co_await wait_for_request(*st, *c, buffer, first)) break;
    if (!co_await serve_one(*st, *c, buffer)) break;
  }
  if constexpr (kIsTls<Stream>) co_await tls_close_notify(*st, *c);
  boost::system::error_code ignored;
  c->lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  c->close();
}

}  // namespace sigil::http::detail
