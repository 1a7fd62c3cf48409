#pragma once
// LISTEN on PostgreSQL notification channels over a dedicated connection.
//
// sts replicas listen on `sigil_keyset` (payload: tenant name) and reload a tenant's key set
// when it fires; see proto/sql/001_initial.sql for the channels. A notification is a hint, not
// a message queue: notifications sent while no Listener was connected are lost, so after
// opening (or re-opening after kUnavailable) a listener re-reads the state it caches, and
// polls as a fallback.
//
// Thread-safety: a Listener belongs to one thread.

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>

#include "sigil/base/result.hpp"

namespace sigil::db {

struct Notification {
  std::string channel;
  std::string payload;
  int backend_pid = 0;  ///< the server process that sent it
};

class Listener {
 public:
  /// Connects to `conninfo` and LISTENs on every channel. kUnavailable if unreachable.
  static Result<std::unique_ptr<Listener>> open(std::string_view conninfo,
                                                const std::vector<std::string>& channels);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  /// The next notification, waiting at most `timeout`; std::nullopt when none came.
  /// kUnavailable when the connection broke: open a new Listener and re-read state.
  Result<std::optional<Notification>> wait(std::chrono::milliseconds timeout);

  /// The server process id of the listening connection (tests terminate it).
  int backend_pid() const noexcept { return conn_->backendpid(); }

 private:
  class Receiver;
  explicit Listener(std::unique_ptr<pqxx::connection> conn);

  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::unique_ptr<Receiver>> receivers_;  // destroyed before conn_
  std::deque<Notification> pending_;
};

}  // namespace sigil::db
