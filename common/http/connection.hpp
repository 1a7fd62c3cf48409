#pragma once
// Private to common/http: one HTTP/1.1 connection as a coroutine, templated on the stream type
// (TcpStream, or TlsStream = beast::ssl_stream<TcpStream>). Everything here runs on the
// connection's strand, so the members of Connection need no lock.
//
// Thread-safety: a Connection is touched only on its strand; the server reaches it by posting
// on_stop / on_force_close there.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/error.hpp>
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

// What a connection waits on its client for (Connection::begin_wait).
enum class Wait {
  kIdle,     // the TLS handshake, or the first byte of the next request: may be shed
  kRequest,  // the rest of a request it started, header or body: never shed, cut by pressure
};

template <class Stream>
class Connection final : public ConnectionBase {
 public:
  Connection(Stream&& s, std::string peer, net::ip::address peer_address)
      : stream(std::move(s)),
        remote(std::move(peer)),
        address(peer_address),
        pressure_timer(stream.get_executor()) {}

  net::any_io_executor executor() override { return stream.get_executor(); }
  void on_stop() override {
    stop_requested = true;
    if (idle) close();
  }
  void on_force_close() override {
    stop_requested = true;
    close();
  }
  void on_shed() override {
    if (!idle) return;  // it started on a request after it was chosen: let it finish
    close();
  }
  void on_pressure(std::chrono::milliseconds cap) override {
    if (!in_wait || wait_deadline <= Clock::now() + cap) return;
    // A pending read keeps the deadline it started with, so a timer of our own ends the wait.
    pressure_timer.expires_after(cap);
    pressure_timer.async_wait(
        [self = shared_from_this(), this, epoch = wait_epoch](boost::system::error_code ec) {
          if (ec || !in_wait || wait_epoch != epoch) return;
          pressure_closed = true;
          close();
        });
  }
  void close() { beast::get_lowest_layer(stream).close(); }
  auto& lowest() { return beast::get_lowest_layer(stream); }

  // Starts a wait on the client with the deadline `limit`; `cut`: shortened by pressure. An idle
  // wait (handshake, before a request) may be shed and ends at once on stop(); a wait for the
  // rest of a request (kRequest) is only cut by pressure.
  void begin_wait(std::chrono::milliseconds limit, bool cut = false, Wait kind = Wait::kIdle) {
    pressure_timer.cancel();  // a timer of the previous wait
    in_wait = true;
    idle = kind == Wait::kIdle;
    wait_cut = cut;
    ++wait_epoch;
    wait_deadline = Clock::now() + limit;
    waiting.store(true);
    if (idle) idle_since.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    lowest().expires_after(limit);
  }
  void end_wait() {
    in_wait = false;
    idle = false;
    idle_since.store(kBusy, std::memory_order_relaxed);
    waiting.store(false);
    pressure_timer.cancel();
  }

  Stream stream;
  std::string remote;
  net::ip::address address;
  Timer pressure_timer;
  bool in_wait = false;  // waiting on the client: idle, or for the rest of a request
  bool idle = false;     // waiting for the TLS handshake or the next request's first byte
  std::uint64_t wait_epoch = 0;  // which wait a pressure timer belongs to
  Clock::time_point wait_deadline;
  bool wait_cut = false;        // the current wait's deadline was shortened by pressure
  bool stop_requested = false;  // graceful stop: no further request on this connection
  bool closing = false;         // we answered with `Connection: close` and the peer is still there
  bool pressure_closed = false;  // closed by on_pressure's timer
  crypto::X509Ptr peer_certificate;  // TLS: the client certificate from the handshake, or null
  std::string server_name;           // TLS: the SNI name the client sent, or ""
};

// Starts a wait on the client: `normal`, or pressure_timeout when under pressure and shorter.
template <class Stream>
void begin_client_wait(const ServerState& st, Connection<Stream>& c,
                       std::chrono::milliseconds normal, Wait kind = Wait::kIdle) {
  c.waiting.store(true);  // before reading the pressure state (ConnectionBase::waiting)
  const std::chrono::milliseconds limit = st.client_wait(normal);
  c.begin_wait(limit, limit < normal, kind);
}

// A wait on the client ended with `ec`: counts a deadline that pressure had shortened.
template <class Stream>
void note_wait_end(const ServerState& st, const Connection<Stream>& c,
                   const boost::system::error_code& ec) {
  if (!ec || st.observer == nullptr) return;
  if (c.pressure_closed || (ec == beast::error::timeout && c.wait_cut)) {
    st.observer->on_pressure_timeout(st.name);
  }
}

// TLS: the handshake under its own deadline. Failures are counted and logged once; the OpenSSL
// error queue is drained so no later call on this thread reports them.
template <class Stream>
net::awaitable<bool> tls_handshake(const ServerState& st, Connection<Stream>& c) {
  begin_client_wait(st, c, st.limits.handshake_timeout);
  auto [ec] = co_await c.stream.async_handshake(net::ssl::stream_base::server);
  c.end_wait();
  note_wait_end(st, c, ec);
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
  c.begin_wait(st.limits.linger_timeout);  // a stop() now closes at once
  auto [ec] = co_await c.stream.async_shutdown();
  c.end_wait();
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
// Between keep-alive requests the idle deadline applies; before the first request the header
// one; both cut under pressure.
template <class Stream>
net::awaitable<bool> wait_for_request(const ServerState& st, Connection<Stream>& c,
                                      beast::flat_buffer& buffer, bool first) {
  if (buffer.size() > 0) co_return true;
  begin_client_wait(st, c, first ? st.limits.header_timeout : st.limits.idle_timeout);
  auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(4096));
  c.end_wait();
  note_wait_end(st, c, ec);
  if (ec) co_return false;  // EOF, deadline, shed, or closed by stop()
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

// Answers a request that could not be read or is refused before its body (400, 413, 431, 501)
// with `Connection: close`, then lingers and closes; status 0 closes silently.
template <class Stream>
net::awaitable<void> reject(const ServerState& st, Connection<Stream>& c, unsigned status,
                            std::string_view reason,
                            const bhttp::request_parser<bhttp::string_body>& parser,
                            Clock::time_point start) {
  if (status == 0) co_return;
  Response res = plain(static_cast<bhttp::status>(status), reason);
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

// Reads until `buffer` holds the whole header of the next request (or more than header_limit
// bytes, or a bare LF), so that its raw lines can be checked before Beast parses them: Beast
// joins obs-fold lines and trims tabs, which would hide them from check_framing.
template <class Stream>
net::awaitable<boost::system::error_code> read_raw_header(const ServerState& st,
                                                          Connection<Stream>& c,
                                                          beast::flat_buffer& buffer) {
  for (;;) {
    std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (header_end(bytes) != 0 || bytes.size() > st.limits.header_limit) {
      co_return boost::system::error_code();
    }
    auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(4096));
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

// The framing check on the raw header in `buffer` (0: fine; else the status to refuse with).
inline unsigned framing_status(const beast::flat_buffer& buffer, std::string_view& reason) {
  std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
  std::size_t end = header_end(bytes);
  if (end == 0 || end == std::string_view::npos) return 0;  // Beast answers these itself
  return check_framing(bytes.substr(0, end), reason);
}

// Reads one request, answers it. Returns whether the connection stays open.
template <class Stream>
net::awaitable<bool> serve_one(ServerState& st, Connection<Stream>& c, beast::flat_buffer& buffer) {
  const auto start = Clock::now();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(st.limits.header_limit);
  parser.body_limit(st.limits.body_limit);
  // The header and then the body each under their own deadline, both cut under pressure (also
  // when pressure begins during the read): a slow request holds its slot for seconds at most.
  begin_client_wait(st, c, st.limits.header_timeout, Wait::kRequest);
  std::size_t n = 0;
  boost::system::error_code ec = co_await read_raw_header(st, c, buffer);
  std::string_view refused;
  if (unsigned status = ec ? 0 : framing_status(buffer, refused); status != 0) {
    co_await bhttp::async_read_header(c.stream, buffer, parser);  // the request line, for the log
    c.end_wait();
    co_await reject(st, c, status, refused, parser, start);
    co_return false;
  }
  if (!ec) std::tie(ec, n) = co_await bhttp::async_read_header(c.stream, buffer, parser);
  if (!ec && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
    std::tie(ec, n) = co_await bhttp::async_write(c.stream, cont);
  }
  if (!ec) {
    begin_client_wait(st, c, st.limits.body_timeout, Wait::kRequest);
    std::tie(ec, n) = co_await bhttp::async_read(c.stream, buffer, parser);
  }
  c.end_wait();
  note_wait_end(st, c, ec);
  if (ec) {
    co_await reject(st, c, status_for_read_error(ec), ec.message(), parser, start);
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
  c->pressure_timer.cancel();
  boost::system::error_code ignored;
  c->lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  c->close();
}

}  // namespace sigil::http::detail
