#include "sigil/http/server.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>

#include "connection.hpp"
#include "server_state.hpp"
#include "sigil/http/address.hpp"

namespace sigil::http {
namespace detail {
namespace {

using tcp = net::ip::tcp;

Result<tcp::endpoint> resolve(net::io_context& io, const HostPort& hp) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(hp.host, ec);
  if (!ec) return tcp::endpoint(address, hp.port);
  tcp::resolver resolver(io);
  auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) {
    return fail(Errc::kInvalidArgument, "cannot resolve '" + hp.host + "'",
                ec ? ec.message() : "no addresses");
  }
  return results.begin()->endpoint();
}

// One warning line a second per listener for refused and shed connections (a flood must not
// flood the log too); the lines say how many were left out.
void warn_refusal(ServerState& st, std::string_view event, std::string_view reason,
                  std::string_view remote) {
  std::uint64_t suppressed = 0;
  if (!st.may_log_refusal(suppressed)) return;
  st.logger.warn(event, {{"listener", st.name},
                         {"reason", reason},
                         {"remote", remote},
                         {"open", st.open.load()},
                         {"max_connections", st.limits.max_connections},
                         {"suppressed", suppressed}});
}

// Registers the connection and runs its coroutine; a connection admit() refuses is closed at
// once, and one it sheds to make room is told so on its strand.
template <class Stream>
void launch(const std::shared_ptr<ServerState>& st, std::shared_ptr<Connection<Stream>> conn) {
  Admission a = st->admit(conn, conn->address);
  for (auto& idle : a.pressed) {
    net::post(idle->executor(),
              [idle, cap = st->limits.pressure_timeout] { idle->on_pressure(cap); });
  }
  if (a.shed) {
    net::post(a.shed->executor(), [victim = a.shed] { victim->on_shed(); });
    warn_refusal(*st, "http.connection.shed", "idle_at_capacity", conn->remote);
    if (st->observer != nullptr) st->observer->on_connection_shed(st->name);
  }
  if (!a.id) {
    if (!a.refused.empty()) {
      warn_refusal(*st, "http.connection.rejected", a.refused, conn->remote);
      if (st->observer != nullptr) st->observer->on_connection_rejected(st->name, a.refused);
    }
    conn->close();
    return;
  }
  net::co_spawn(
      conn->stream.get_executor(), serve(st, conn), [st, id = *a.id](const std::exception_ptr& e) {
        // docs/reference/style.md §3: the top of the connection coroutine is where exceptions stop.
        if (e) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            what = ex.what();
          } catch (...) {
          }
          st->logger.error("http.connection.exception", {{"listener", st->name}, {"what", what}});
          if (st->observer != nullptr) st->observer->on_internal_error(st->name);
        }
        st->remove(id);
      });
}

void start_connection(
    const std::shared_ptr<ServerState>& st,
    tcp::socket::rebind_executor<net::strand<net::io_context::executor_type>>::other socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  std::string remote = ec ? "-" : format_endpoint(peer);
  if (st->peer_filter && (ec || !st->peer_filter(peer.address()))) {
    st->logger.warn("http.connection.refused", {{"listener", st->name},
                                                {"reason", kRefusedUntrustedPeer},
                                                {"remote", remote}});
    if (st->observer != nullptr) {
      st->observer->on_connection_rejected(st->name, kRefusedUntrustedPeer);
    }
    socket.close(ec);
    return;
  }
  if (!st->tls) {
    launch(st, std::make_shared<Connection<TcpStream>>(TcpStream(std::move(socket)),
                                                       std::move(remote), peer.address()));
    return;
  }
  // The context of this moment; a later set_tls_context() does not affect this connection.
  std::shared_ptr<net::ssl::context> tls = st->current_tls_context();
  launch(st, std::make_shared<Connection<TlsStream>>(TlsStream(TcpStream(std::move(socket)), *tls),
                                                     std::move(remote), peer.address()));
}

net::awaitable<void> accept_loop(std::shared_ptr<ServerState> st) {
  Timer backoff(co_await net::this_coro::executor);
  while (!st->stopping.load()) {
    auto [ec, socket] = co_await st->acceptor->async_accept(net::make_strand(st->runtime.io()));
    if (!ec) {
      start_connection(st, std::move(socket));
      continue;
    }
    if (ec == net::error::operation_aborted || st->stopping.load()) break;
    // Out of file descriptors and similar: say so, and do not spin.
    st->logger.warn("http.accept.failed", {{"listener", st->name}, {"error", ec.message()}});
    if (st->observer != nullptr) st->observer->on_accept_failed(st->name);
    backoff.expires_after(std::chrono::milliseconds(100));
    co_await backoff.async_wait();
  }
}

}  // namespace

std::size_t ServerState::pressure_at() const {
  const std::size_t at = limits.max_connections * std::min(limits.pressure_percent, 100U) / 100;
  return std::max<std::size_t>(at, 1);
}

std::chrono::milliseconds ServerState::client_wait(std::chrono::milliseconds normal) const {
  return under_pressure() ? std::min(normal, limits.pressure_timeout) : normal;
}

bool ServerState::may_log_refusal(std::uint64_t& suppressed) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_refusal_log.load();
  if (now - last < 1000 || !last_refusal_log.compare_exchange_strong(last, now)) {
    refusals_unlogged.fetch_add(1);
    return false;
  }
  suppressed = refusals_unlogged.exchange(0);
  return true;
}

void ServerState::uncount(ConnectionEntry& e) {
  if (!e.counted) return;
  e.counted = false;
  (e.reserved ? reserved_open : public_open) -= 1;
  open.store(public_open + reserved_open);
  for (const std::string* key : {&e.address_key, &e.site_key}) {
    auto it = per_address.find(*key);
    if (!key->empty() && it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
}

std::string_view ServerState::over_address_limit(const ConnectionEntry& e,
                                                 const net::ip::address& peer) const {
  const std::size_t per_limit = limits.max_connections_per_address;
  if (per_limit == 0 || (address_limit_exempt && address_limit_exempt(peer))) return {};
  auto held = [&](const std::string& key) {
    auto it = per_address.find(key);
    return it == per_address.end() ? std::size_t{0} : it->second;
  };
  if (held(e.address_key) >= per_limit) return kRefusedPerAddressLimit;
  if (!e.site_key.empty() && held(e.site_key) >= per_limit * limits.ipv6_site_factor) {
    return kRefusedPerSiteLimit;
  }
  return {};
}

std::unordered_map<std::uint64_t, ConnectionEntry>::iterator ServerState::pick_shed_victim(
    bool may_reserve) {
  const std::int64_t newest =
      (std::chrono::steady_clock::now() - limits.shed_min_idle).time_since_epoch().count();
  auto best = connections.end();
  std::size_t best_share = 0;
  std::int64_t best_since = 0;
  for (auto it = connections.begin(); it != connections.end(); ++it) {
    const ConnectionEntry& e = it->second;
    const std::int64_t since = e.conn->idle_since.load(std::memory_order_relaxed);
    if (!e.counted || since == ConnectionBase::kBusy || since > newest) continue;
    if (e.reserved && !may_reserve) continue;  // a reserved slot only goes to a reserved client
    const std::size_t share = per_address[e.address_key];
    if (best == connections.end() || share > best_share ||
        (share == best_share && since < best_since)) {
      best = it;
      best_share = share;
      best_since = since;
    }
  }
  return best;
}

Admission ServerState::admit(std::shared_ptr<ConnectionBase> c, const net::ip::address& peer) {
  Admission a;
  ClientKeys keys = client_keys(peer);  // formatting, outside the lock
  std::lock_guard lock(mu);
  if (stopping.load()) return a;
  ConnectionEntry e{std::move(c), std::move(keys.address), std::move(keys.site)};
  if (a.refused = over_address_limit(e, peer); !a.refused.empty()) return a;
  const bool may_reserve =
      limits.reserved_connections > 0 && reserved_clients && reserved_clients(peer);
  if (public_open >= limits.max_connections) {
    if (may_reserve && reserved_open < limits.reserved_connections) {
      e.reserved = true;
    } else if (auto victim = pick_shed_victim(may_reserve); victim != connections.end()) {
      e.reserved = victim->second.reserved;
      uncount(victim->second);
      a.shed = victim->second.conn;
    } else {
      a.refused = kRefusedConnectionLimit;
      return a;
    }
  }
  const bool was_pressed = under_pressure();
  (e.reserved ? reserved_open : public_open) += 1;
  open.store(public_open + reserved_open);
  per_address[e.address_key] += 1;
  if (!e.site_key.empty()) per_address[e.site_key] += 1;
  a.reserved = e.reserved;
  a.id = next_id++;
  connections.emplace(*a.id, std::move(e));
  if (!was_pressed && under_pressure()) {
    for (const auto& [id, other] : connections) {
      if (other.counted && other.conn->waiting.load()) {
        a.pressed.push_back(other.conn);
      }
    }
  }
  return a;
}

void ServerState::remove(std::uint64_t id) {
  std::lock_guard lock(mu);
  auto it = connections.find(id);
  if (it != connections.end()) {
    uncount(it->second);
    connections.erase(it);
  }
  cv.notify_all();
}

std::shared_ptr<net::ssl::context> ServerState::current_tls_context() const {
  std::lock_guard lock(tls_mu);
  return tls_context;
}

namespace {

// Wraps an SSL_CTX for Asio's streams (each SSL_new takes its own reference to the SSL_CTX).
std::shared_ptr<net::ssl::context> wrap(crypto::SslCtxPtr& ctx) {
  auto wrapped = std::make_shared<net::ssl::context>(ctx.get());
  (void)ctx.release();  // net::ssl::context took ownership (its destructor frees the SSL_CTX)
  return wrapped;
}

}  // namespace

}  // namespace detail

Server::Server(IoRuntime& runtime, std::string name, ServerLimits limits, Router router,
               const log::Logger& logger, ServerObserver* observer)
    : state_(std::make_shared<detail::ServerState>(runtime, std::move(name), limits,
                                                   std::move(router), logger, observer)) {}

// stop() throws only if allocation or a mutex fails; terminating then is the right outcome.
Server::~Server() { stop(); }  // NOLINT(bugprone-exception-escape)

Result<boost::asio::ip::tcp::endpoint> Server::listen(std::string_view host_port,
                                                      std::optional<TlsOptions> tls) {
  auto& st = *state_;
  SIGIL_CHECK(!st.acceptor.has_value());
  if (tls && !tls->context) {
    return fail(Errc::kInvalidArgument, "no TLS context for " + std::string(host_port));
  }
  SIGIL_TRY(HostPort hp, parse_host_port(host_port));
  SIGIL_TRY(auto endpoint, detail::resolve(st.runtime.io(), hp));
  Acceptor acceptor(detail::net::make_strand(st.runtime.io()));
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(detail::net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(detail::net::socket_base::max_listen_connections, ec);
  if (!ec) st.local = acceptor.local_endpoint(ec);
  if (ec) {
    return fail(Errc::kUnavailable,
                "cannot listen on " + std::string(host_port) + ": " + ec.message());
  }
  st.acceptor.emplace(std::move(acceptor));
  if (tls) {
    st.tls = true;
    st.tls_context = detail::wrap(tls->context);
  }
  return st.local;
}

void Server::set_peer_filter(PeerFilter filter) {
  std::lock_guard lock(state_->mu);
  SIGIL_CHECK(!state_->accepting);  // connections read it without a lock once accepting
  state_->peer_filter = std::move(filter);
}

void Server::set_reserved_clients(PeerFilter filter) {
  std::lock_guard lock(state_->mu);
  SIGIL_CHECK(!state_->accepting);  // admit() reads it under the lock, but it is fixed from here
  state_->reserved_clients = std::move(filter);
}

void Server::set_address_limit_exempt(PeerFilter filter) {
  std::lock_guard lock(state_->mu);
  SIGIL_CHECK(!state_->accepting);
  state_->address_limit_exempt = std::move(filter);
}

Result<void> Server::set_tls_context(crypto::SslCtxPtr&& context) {
  auto& st = *state_;
  if (!st.tls) return fail(Errc::kInvalidArgument, "listener " + st.name + " does not serve TLS");
  if (!context) return fail(Errc::kInvalidArgument, "no TLS context");
  std::shared_ptr<detail::net::ssl::context> wrapped = detail::wrap(context);
  std::lock_guard lock(st.tls_mu);
  st.tls_context.swap(wrapped);
  return {};  // the previous context goes with `wrapped`, after the lock is released
}

void Server::start() {
  auto st = state_;
  SIGIL_CHECK(st->acceptor.has_value());
  {
    std::lock_guard lock(st->mu);
    if (st->accepting || st->stopped) return;
    st->accepting = true;
  }
  detail::net::co_spawn(st->acceptor->get_executor(), detail::accept_loop(st),
                        [st](const std::exception_ptr& e) {
                          if (e) {
                            st->logger.error("http.accept.exception", {{"listener", st->name}});
                          }
                          std::lock_guard lock(st->mu);
                          st->accepting = false;
                          st->cv.notify_all();
                        });
  st->logger.info("listener.started",
                  {{"listener", st->name}, {"addr", format_endpoint(st->local)}});
}

void Server::stop() {
  auto st = state_;
  SIGIL_CHECK(!st->runtime.io().get_executor().running_in_this_thread());
  std::vector<std::shared_ptr<detail::ConnectionBase>> open;
  {
    std::lock_guard lock(st->mu);
    if (st->stopped) return;
    st->stopping = true;
    for (const auto& [id, e] : st->connections) open.push_back(e.conn);
  }
  if (st->acceptor) {
    detail::net::post(st->acceptor->get_executor(), [st] {
      boost::system::error_code ignored;
      st->acceptor->close(ignored);
    });
  }
  for (auto& c : open) detail::net::post(c->executor(), [c] { c->on_stop(); });
  open.clear();
  std::unique_lock lock(st->mu);
  auto drained = [&] { return st->connections.empty() && !st->accepting; };
  if (!st->cv.wait_for(lock, st->limits.drain_timeout, drained)) {
    st->logger.warn("http.drain.timeout",
                    {{"listener", st->name}, {"remaining", st->connections.size()}});
    for (const auto& [id, e] : st->connections) {
      detail::net::post(e.conn->executor(), [c = e.conn] { c->on_force_close(); });
    }
    st->cv.wait(lock, drained);
  }
  st->stopped = true;
  if (st->acceptor) st->logger.info("listener.stopped", {{"listener", st->name}});
}

boost::asio::ip::tcp::endpoint Server::local_endpoint() const { return state_->local; }

std::size_t Server::open_connections() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

}  // namespace sigil::http
