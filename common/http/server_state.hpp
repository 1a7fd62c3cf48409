#pragma once
// Private to common/http: the state a Server shares with its accept loop and connection
// coroutines, the type aliases that make `as_tuple(use_awaitable)` the default token, and the
// non-template helpers of the connection code.
//
// Thread-safety: `mu` guards `connections`, `accepting` and `stopped`; `tls_mu` guards
// `tls_context`; `stopping` is atomic so a connection can read it without the lock; everything
// else is immutable after Server::listen().

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "sigil/http/server.hpp"

namespace sigil::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;

using Token = net::as_tuple_t<net::use_awaitable_t<>>;
using Executor = Token::executor_with_default<net::any_io_executor>;
using TcpStream = beast::tcp_stream::rebind_executor<Executor>::other;
using TlsStream = beast::ssl_stream<TcpStream>;
using Acceptor = net::ip::tcp::acceptor::rebind_executor<Executor>::other;
using Timer = net::steady_timer::rebind_executor<Executor>::other;

// What the server needs to tell a connection; implemented per stream type (connection.hpp).
// All three run on the connection's strand (the server posts them there).
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual net::any_io_executor executor() = 0;
  virtual void on_stop() = 0;         // finish the current request, then close; close if idle
  virtual void on_force_close() = 0;  // close now
};

struct ServerState {
  ServerState(IoRuntime& rt, std::string n, ServerLimits l, Router r, const log::Logger& lg,
              ServerObserver* o)
      : runtime(rt), name(std::move(n)), limits(l), router(std::move(r)), logger(lg), observer(o) {}

  IoRuntime& runtime;
  const std::string name;
  const ServerLimits limits;
  const Router router;
  const log::Logger& logger;
  ServerObserver* const observer;
  std::optional<Acceptor> acceptor;
  net::ip::tcp::endpoint local;
  bool tls = false;  // set by listen()
  Server::PeerFilter peer_filter;  // set before start(); null: every peer

  // The TLS context new connections start with (set_tls_context swaps it). shared_ptr: a swap
  // may happen while a connection is being set up with the previous one; each SSL then holds
  // its own reference to the SSL_CTX, so open connections keep theirs.
  mutable std::mutex tls_mu;
  std::shared_ptr<net::ssl::context> tls_context;

  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::uint64_t, std::shared_ptr<ConnectionBase>> connections;
  std::uint64_t next_id = 0;
  bool accepting = false;
  bool stopped = false;

  // Adds a connection and returns its id, or nothing when stopping or at max_connections.
  std::optional<std::uint64_t> add(std::shared_ptr<ConnectionBase> c);
  void remove(std::uint64_t id);
  std::shared_ptr<net::ssl::context> current_tls_context() const;
};

// The answer to one request plus what the access log needs.
struct Exchange {
  Response response;
  std::string endpoint;  // route pattern, or "unmatched"
};

// Routes and runs the handler; catches whatever a handler throws (STYLE.md §3, place 2).
net::awaitable<Exchange> handle(ServerState& st, Request& request);

// Version, keep-alive, Content-Length.
void finalize(Response& res, bool keep_alive);

// A short plain-text answer for errors the server itself detects (400, 404, 413, ...).
Response plain(bhttp::status status, std::string_view reason);

void log_access(const ServerState& st, const AccessRecord& record);

// The status to answer a failed header/body read with, or 0 to close silently.
unsigned status_for_read_error(const boost::system::error_code& ec);

}  // namespace sigil::http::detail
