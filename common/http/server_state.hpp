#pragma once
// Private to common/http: the state a Server shares with its accept loop and connection
// coroutines, and the non-template helpers of the connection code. The stream and timer types,
// with `as_tuple(use_awaitable)` as their default token, are in sigil/http/awaitable_io.hpp.
//
// Thread-safety: `mu` guards `connections`, the slot counts, `accepting` and `stopped`; `tls_mu`
// guards `tls_context`; `stopping`, `open` and ConnectionBase::idle_since are atomic so a
// connection can read or write them without the lock; everything else is immutable after
// Server::start().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "sigil/http/awaitable_io.hpp"
#include "sigil/http/server.hpp"

namespace sigil::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;

// What the server needs to tell a connection; implemented per stream type (connection.hpp).
// The on_* calls run on the connection's strand (the server posts them there). shared_from_this:
// a pressure deadline's timer keeps the connection alive until it fires.
class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  static constexpr std::int64_t kBusy = -1;

  virtual ~ConnectionBase() = default;
  virtual net::any_io_executor executor() = 0;
  virtual void on_stop() = 0;         // finish the current request, then close; close if idle
  virtual void on_force_close() = 0;  // close now
  // Pressure began: a wait on the client is cut to `cap` from now, if it would last longer.
  virtual void on_pressure(std::chrono::milliseconds cap) = 0;
  // Its slot went to a new connection: close it, unless it has started on a request meanwhile.
  virtual void on_shed() = 0;

  // Since when (steady_clock ticks) the connection has been waiting on its client (handshake,
  // first byte of a request), or kBusy. Written on the strand, read by the admission code.
  std::atomic<std::int64_t> idle_since{kBusy};
  // True while the connection waits on its client in any way that pressure cuts: idle as above,
  // or reading a request's header or body. Set before the wait reads the pressure state, so
  // either the wait sees pressure or admit() sees the wait and has it cut.
  std::atomic<bool> waiting{false};
};

// One open connection as the admission code sees it.
struct ConnectionEntry {
  std::shared_ptr<ConnectionBase> conn;
  std::string address_key;  // per-address accounting: IPv4 address, or IPv6 /64
  std::string site_key;     // IPv6: the /56, counted against the site limit; IPv4: ""
  bool reserved = false;    // holds one of the reserved_connections slots
  bool counted = true;      // false once shed: its slot already went to another connection
};

// The outcome of ServerState::admit.
struct Admission {
  std::optional<std::uint64_t> id;  // nothing: refused
  std::string_view refused;         // the kRefused* reason, "" when stopping
  std::shared_ptr<ConnectionBase> shed;                  // close this one to make room
  std::vector<std::shared_ptr<ConnectionBase>> pressed;  // pressure began: cut their waits
  bool reserved = false;
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
  Server::PeerFilter reserved_clients;  // set before start(); null: nobody
  Server::PeerFilter address_limit_exempt;  // set before start(); null: nobody

  // The TLS context new connections start with (set_tls_context swaps it). shared_ptr: a swap
  // may happen while a connection is being set up with the previous one; each SSL then holds
  // its own reference to the SSL_CTX, so open connections keep theirs.
  mutable std::mutex tls_mu;
  std::shared_ptr<net::ssl::context> tls_context;

  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::uint64_t, ConnectionEntry> connections;
  // Counted connections only, by ConnectionEntry::address_key and (IPv6) site_key.
  std::unordered_map<std::string, std::size_t> per_address;
  std::size_t public_open = 0;
  std::size_t reserved_open = 0;
  std::atomic<std::size_t> open{0};  // public_open + reserved_open, readable without the lock
  std::uint64_t next_id = 0;
  bool accepting = false;
  bool stopped = false;

  // Rate limit of the refusal/shed warnings: one line a second, counting what was left out.
  std::atomic<std::int64_t> last_refusal_log{0};
  std::atomic<std::uint64_t> refusals_unlogged{0};

  // Decides whether a new connection from `peer` gets a slot (see server.hpp); registers it.
  Admission admit(std::shared_ptr<ConnectionBase> c, const net::ip::address& peer);
  void remove(std::uint64_t id);
  std::shared_ptr<net::ssl::context> current_tls_context() const;

  // From pressure_percent of max_connections on.
  bool under_pressure() const { return open.load() >= pressure_at(); }
  std::size_t pressure_at() const;
  // The deadline for a wait on the client: `normal`, or pressure_timeout when that is shorter
  // and the listener is under pressure.
  std::chrono::milliseconds client_wait(std::chrono::milliseconds normal) const;
  // True when a refusal/shed warning may be logged now; `suppressed` gets the count left out.
  bool may_log_refusal(std::uint64_t& suppressed);

 private:
  // Under `mu`: gives up the slot of `e` (shed or closed).
  void uncount(ConnectionEntry& e);
  // Under `mu`: the kRefused* reason when `e`'s address or IPv6 site holds its share, else "".
  std::string_view over_address_limit(const ConnectionEntry& e, const net::ip::address& peer) const;
  // Under `mu`: the idle connection whose slot a newcomer may take, or connections.end().
  std::unordered_map<std::uint64_t, ConnectionEntry>::iterator pick_shed_victim(bool may_reserve);
};

// The answer to one request plus what the access log needs.
struct Exchange {
  Response response;
  std::string endpoint;  // route pattern, or "unmatched"
};

// Routes and runs the handler; catches whatever a handler throws
// (docs/reference/style.md §3, place 2).
net::awaitable<Exchange> handle(ServerState& st, Request& request);

// Version, keep-alive, Content-Length.
void finalize(Response& res, bool keep_alive);

// A short plain-text answer for errors the server itself detects (400, 404, 413, ...).
Response plain(bhttp::status status, std::string_view reason);

void log_access(const ServerState& st, const AccessRecord& record);

// The status to answer a failed header/body read with, or 0 to close silently.
unsigned status_for_read_error(const boost::system::error_code& ec);

// Where the header of the request at the start of `bytes` ends (just after its empty line), 0
// while it is incomplete, or npos when the bytes hold a bare LF (Beast refuses those itself).
std::size_t header_end(std::string_view bytes);

// The raw header of one request checked for framing Sigil refuses (server.hpp): 0 when it is
// fine, else the status to answer (400 or 501) and `reason` for the client.
unsigned check_framing(std::string_view raw_header, std::string_view& reason);

}  // namespace sigil::http::detail
