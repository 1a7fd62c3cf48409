#pragma once
// An HTTP/1.1 server on Boost.Beast + Asio C++20 coroutines (docs/reference/style.md §6), after
// Beast 1.81's awaitable examples: `as_tuple(use_awaitable)` is the default completion token of the
// stream, so every `auto [ec, n] = co_await ...` returns the error_code as a value; each connection
// is one coroutine on its own strand.
//
// What every connection gets:
// - deadlines (expires_after) for the first byte of a request (idle / header), the rest of the
//   header, the body and the response write, all from ServerLimits;
// - a header size limit (431) and a body size limit (413), answered at once, then the connection
//   is closed; a malformed request (including Content-Length with Transfer-Encoding) is 400+close;
// - message framing refused before the body is read (docs/security.md "HTTP framing"): a
//   Transfer-Encoding other than exactly `chunked` is 501 (a coding we do not implement, e.g.
//   gzip) or 400 (anything malformed: an unknown token, a tab, several fields), and a header
//   with obs-fold (a line starting with SP or HTAB) is 400; the connection is then closed, so
//   bytes the client meant as a body are never read as another request;
// - keep-alive; `Expect: 100-continue`;
// - one access log line (`event=http.access`) and one ServerObserver::on_request per request.
// Unknown path -> 404, known path with another method -> 405. A handler that throws (a bug) gets
// a 500 in the route's ErrorStyle; exceptions never leave the connection coroutine.
//
// Connection capacity (docs/operations.md "Connection limits"): at most max_connections open,
// at most max_connections_per_address from one client address (an IPv6 client counts by its
// /64, and its /56 may hold ipv6_site_factor times that); from pressure_percent of
// max_connections on, the waits on a client (TLS handshake, the first byte, header and body of
// a request, keep-alive idle) are cut to pressure_timeout, for connections already waiting or
// reading a request too; at the cap, a new connection takes the slot of an idle one
// (handshake not finished, or waiting for a request, for at least shed_min_idle), chosen from
// the address with the most connections, longest idle first. A listener may keep
// reserved_connections slots beyond max_connections for the clients set_reserved_clients()
// admits (certmgr: operators and peers). Refusals and sheds are logged (at most one line a
// second per listener, with the count suppressed) and counted through the ServerObserver.
//
// Lifecycle: listen() binds (port 0 picks a free port; local_endpoint() tells which), start()
// accepts, stop() stops gracefully: no new connections, idle ones are closed, in-flight requests
// finish (answered with `Connection: close`), and after ServerLimits::drain_timeout whatever is
// left is closed by force. stop() returns when every connection coroutine has ended.
//
// TLS: listen(addr, TlsOptions{context}) serves HTTPS with an SSL_CTX from
// crypto::make_server_tls_context (protocol policy and client-certificate mode live there). A TLS
// connection first completes its handshake within ServerLimits::handshake_timeout (a stop()
// closes a connection still in its handshake), then runs the same request loop as plain HTTP.
// Each Request carries `tls` and the client's certificate, if one was sent and accepted. After
// a response with `Connection: close` the server sends close_notify and waits up to
// linger_timeout for the client's; a client that just closes (stream_truncated) is fine.
// set_tls_context() replaces the context for connections accepted afterwards (certificate
// renewal without a restart); open connections keep the context they started with.
// The connection code is a template over the stream type (tcp_stream or ssl_stream).
//
// Thread-safety: listen/start/stop/~Server are called from one non-io thread (main, a test).
// stop() blocks and aborts if called on an io thread. open_connections() and set_tls_context()
// are thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "sigil/base/log.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/http/io_runtime.hpp"
#include "sigil/http/router.hpp"

namespace sigil::http {

struct ServerLimits {
  std::chrono::milliseconds header_timeout{10'000};  // first byte + header of a new connection
  std::chrono::milliseconds idle_timeout{60'000};    // between keep-alive requests
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds drain_timeout{10'000};      // graceful stop, then force-close
  std::chrono::milliseconds linger_timeout{1'000};      // reading leftovers after a 4xx+close
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS: accept to finished handshake
  std::uint32_t header_limit = 16U << 10;
  std::uint64_t body_limit = std::uint64_t{1} << 20;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 0;  // 0: no per-address limit
  // An IPv6 /56 (one customer's site) may hold this many times max_connections_per_address.
  std::size_t ipv6_site_factor = 4;
  // From this share of max_connections on, waits on a client are cut to pressure_timeout.
  unsigned pressure_percent = 75;  // 1..100
  std::chrono::milliseconds pressure_timeout{2'000};
  // Slots beyond max_connections for the clients set_reserved_clients() admits.
  std::size_t reserved_connections = 0;
  // An idle connection is shed only after waiting this long: a client between two requests on
  // a keep-alive connection keeps it.
  std::chrono::milliseconds shed_min_idle{250};
};

/// Why a connection was closed at accept (the `reason` of on_connection_rejected).
inline constexpr std::string_view kRefusedConnectionLimit = "connection_limit";
inline constexpr std::string_view kRefusedPerAddressLimit = "per_address_limit";
inline constexpr std::string_view kRefusedPerSiteLimit = "per_site_limit";
inline constexpr std::string_view kRefusedUntrustedPeer = "untrusted_peer";

/// What the access log line says about one request.
struct AccessRecord {
  std::string_view listener;  // Server name, e.g. "metrics"
  std::string_view method;    // "-" when the request line never arrived
  std::string_view path;      // without query; "-" when unknown
  std::string_view endpoint;  // route pattern, or "unmatched" / "rejected"
  unsigned status = 0;
  std::string_view fault;  // Request::fault, may be empty
  std::string_view remote;
  double duration_s = 0;
  std::size_t bytes = 0;  // response body bytes
};

/// Hook for metrics: common/http does not depend on common/metrics (docs/reference/style.md §2);
/// the service wiring implements this with its Registry. Called from io threads, concurrently.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;
  virtual void on_request(const AccessRecord& record) = 0;
  /// A connection was closed at once: `reason` is one of the kRefused* constants.
  virtual void on_connection_rejected(std::string_view listener, std::string_view reason) = 0;
  /// An idle connection was closed to give its slot to a new one (the listener was full).
  virtual void on_connection_shed(std::string_view /*listener*/) {}
  /// A wait on a client ended at the deadline while the listener was under pressure.
  virtual void on_pressure_timeout(std::string_view /*listener*/) {}
  /// A handler or the connection code threw; the client got a 500 or the connection was closed.
  virtual void on_internal_error(std::string_view listener) = 0;
  /// accept() failed (e.g. out of file descriptors); the listener retries after 100 ms.
  virtual void on_accept_failed(std::string_view listener) = 0;
  /// A TLS handshake failed or timed out (legacy client, plain HTTP on the TLS port, refused
  /// client certificate, scanner); the connection was closed.
  virtual void on_tls_handshake_failed(std::string_view /*listener*/) {}
};

/// Makes a listener serve HTTPS.
struct TlsOptions {
  crypto::SslCtxPtr context;  // from crypto::make_server_tls_context; the server takes it
};

namespace detail {
struct ServerState;
}

class Server {
 public:
  /// `logger`, `observer` (may be null) and `runtime` must outlive the server.
  Server(IoRuntime& runtime, std::string name, ServerLimits limits, Router router,
         const log::Logger& logger, ServerObserver* observer = nullptr);
  ~Server();  // NOLINT(bugprone-exception-escape): see server.cpp
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens on `host:port`, serving HTTPS when `tls` is given. Fails with one clear
  /// message (bad address, in use, no TLS context, ...).
  Result<boost::asio::ip::tcp::endpoint> listen(std::string_view host_port,
                                                std::optional<TlsOptions> tls = std::nullopt);
  /// Which TCP peers may connect: a connection from an address the filter refuses is closed at
  /// once, logged (`event=http.connection.refused reason=untrusted_peer`) and counted as
  /// rejected. Call before start(); null (the default) admits every peer.
  using PeerFilter = std::function<bool(const boost::asio::ip::address&)>;
  void set_peer_filter(PeerFilter filter);
  /// Which clients may use the ServerLimits::reserved_connections slots once max_connections
  /// are open (by TCP peer address: it is known before the handshake a flood would hold up).
  /// Call before start(); null (the default): nobody.
  void set_reserved_clients(PeerFilter filter);
  /// Which clients max_connections_per_address does not apply to (a reverse proxy through
  /// which many clients arrive). Call before start(); null (the default): nobody.
  void set_address_limit_exempt(PeerFilter filter);
  /// TLS listeners: connections accepted from now on use `context`; open ones keep theirs.
  /// May be called from any thread. kInvalidArgument on a plain listener or a null context.
  Result<void> set_tls_context(crypto::SslCtxPtr&& context);
  /// Starts accepting and logs `event=listener.started listener=NAME addr=HOST:PORT`.
  void start();
  /// Graceful stop (see above). Idempotent.
  void stop();

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  std::size_t open_connections() const;

 private:
  // Shared with every connection coroutine: the last one to finish frees it.
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace sigil::http
