#pragma once
// Opening PostgreSQL connections, and a bounded pool of them.
//
// libpqxx connections are synchronous and not thread-safe: one thread uses a connection at a
// time. The pool hands each out through a PooledConnection lease, which gives the connection
// back when it goes out of scope, or closes it when it was discard()ed (transact() does that
// when the connection broke) or is no longer open.
//
// Thread-safety: connect() is thread-safe. ConnectionPool is thread-safe; a PooledConnection
// belongs to one thread. The pool must outlive every lease it handed out.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>

#include "sigil/base/result.hpp"

namespace sigil::db {

/// Opens a connection from a libpq connection string or URI. Failure -> kUnavailable.
Result<std::unique_ptr<pqxx::connection>> connect(std::string_view conninfo);

/// Runs one statement outside any transaction block, for the few that refuse to run inside
/// one (CREATE DATABASE, VACUUM). Everything else goes through transact().
Result<void> execute_outside_transaction(pqxx::connection& conn, const std::string& sql,
                                         std::string_view what);

struct PoolOptions {
  std::size_t max_connections = 8;
  /// How long acquire() waits for a free connection before failing with kUnavailable.
  std::chrono::milliseconds acquire_timeout{5000};
};

class ConnectionPool;

/// A connection borrowed from a ConnectionPool. Move-only; returns it on destruction.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  pqxx::connection& operator*() const noexcept { return *conn_; }
  pqxx::connection* operator->() const noexcept { return conn_.get(); }

  /// Closes the connection on release instead of reusing it (broken, or state unknown).
  void discard() noexcept { discard_ = true; }

 private:
  friend class ConnectionPool;
  PooledConnection(ConnectionPool* pool, std::unique_ptr<pqxx::connection> conn) noexcept
      : pool_(pool), conn_(std::move(conn)) {}
  void release() noexcept;

  ConnectionPool* pool_ = nullptr;
  std::unique_ptr<pqxx::connection> conn_;
  bool discard_ = false;
};

/// A bounded set of connections to one database, opened lazily.
class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, PoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  /// Every lease must have been returned.
  ~ConnectionPool();

  /// Waits up to options().acquire_timeout for a connection.
  Result<PooledConnection> acquire();
  /// kUnavailable when no connection frees up within `timeout`, or a new one cannot be opened.
  Result<PooledConnection> acquire(std::chrono::milliseconds timeout);

  const PoolOptions& options() const noexcept { return options_; }
  /// Connections open or being opened, leased ones included.
  std::size_t open_connections() const;
  std::size_t idle_connections() const;

 private:
  friend class PooledConnection;
  void give_back(std::unique_ptr<pqxx::connection> conn, bool discard) noexcept;

  const std::string conninfo_;
  const PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;                                 // guarded by mu_
  std::size_t leased_ = 0;                               // guarded by mu_
};

}  // namespace sigil::db
