#include <utility>

#include "sigil/db/connection.hpp"

namespace sigil::db {

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      discard_(other.discard_) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    discard_ = other.discard_;
  }
  return *this;
}

PooledConnection::~PooledConnection() { release(); }

void PooledConnection::release() noexcept {
  if (pool_ == nullptr) return;
  std::exchange(pool_, nullptr)->give_back(std::move(conn_), discard_);
}

ConnectionPool::ConnectionPool(std::string conninfo, PoolOptions options)
    : conninfo_(std::move(conninfo)), options_(options) {
  SIGIL_CHECK(options_.max_connections > 0);
}

ConnectionPool::~ConnectionPool() {
  std::lock_guard lock(mu_);
  SIGIL_CHECK(leased_ == 0);
}

Result<PooledConnection> ConnectionPool::acquire() { return acquire(options_.acquire_timeout); }

Result<PooledConnection> ConnectionPool::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const bool ready = freed_.wait_for(
      lock, timeout, [this] { return !idle_.empty() || open_ < options_.max_connections; });
  if (!ready) {
    return fail(Errc::kUnavailable, "database connection pool exhausted",
                "no connection free after " + std::to_string(timeout.count()) + " ms; " +
                    std::to_string(options_.max_connections) + " in use");
  }
  ++leased_;
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return PooledConnection(this, std::move(conn));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  auto conn = connect(conninfo_);
  if (!conn) {
    give_back(nullptr, true);
    return unexpected(std::move(conn).error());
  }
  return PooledConnection(this, std::move(conn).value());
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> conn, bool discard) noexcept {
  std::unique_ptr<pqxx::connection> closing;  // closed after unlocking: it may talk to the server
  {
    std::lock_guard lock(mu_);
    --leased_;
    if (conn == nullptr || discard || !conn->is_open()) {
      --open_;
      closing = std::move(conn);
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  freed_.notify_one();
}

std::size_t ConnectionPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

std::size_t ConnectionPool::idle_connections() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace sigil::db
