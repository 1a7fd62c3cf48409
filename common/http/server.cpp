#include "sigil/http/server.hpp"

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

// Registers the connection and runs its coroutine; at max_connections it is closed at once.
template <class Stream>
void launch(const std::shared_ptr<ServerState>& st, std::shared_ptr<Connection<Stream>> conn) {
  std::optional<std::uint64_t> id = st->add(conn);
  if (!id) {
    if (!st->stopping.load()) {
      st->logger.warn("http.connection.rejected",
                      {{"listener", st->name},
                       {"reason", "connection_limit"},
                       {"max_connections", st->limits.max_connections}});
      if (st->observer != nullptr) st->observer->on_connection_rejected(st->name);
    }
    conn->close();
    return;
  }
  net::co_spawn(
      conn->stream.get_executor(), serve(st, conn), [st, id = *id](const std::exception_ptr& e) {
        // STYLE.md §3: the top of the connection coroutine is where exceptions stop.
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
    st->logger.warn("http.connection.refused",
                    {{"listener", st->name}, {"reason", "untrusted_peer"}, {"remote", remote}});
    if (st->observer != nullptr) st->observer->on_connection_rejected(st->name);
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

std::optional<std::uint64_t> ServerState::add(std::shared_ptr<ConnectionBase> c) {
  std::lock_guard lock(mu);
  if (stopping.load() || connections.size() >= limits.max_connections) return std::nullopt;
  std::uint64_t id = next_id++;
  connections.emplace(id, std::move(c));
  return id;
}

void ServerState::remove(std::uint64_t id) {
  std::lock_guard lock(mu);
  connections.erase(id);
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
  detail::Acceptor acceptor(detail::net::make_strand(st.runtime.io()));
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
    for (const auto& [id, c] : st->connections) open.push_back(c);
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
    for (const auto& [id, c] : st->connections) {
      detail::net::post(c->executor(), [c = c] { c->on_force_close(); });
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
