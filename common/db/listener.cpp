#include "sigil/db/listener.hpp"

#include <pqxx/notification>

#include "sigil/db/connection.hpp"
#include "sigil/db/errors.hpp"

namespace sigil::db {

class Listener::Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& conn, const std::string& channel, std::deque<Notification>& sink)
      : pqxx::notification_receiver(conn, channel), sink_(sink) {}
  void operator()(const std::string& payload, int backend_pid) override {
    sink_.push_back(Notification{channel(), payload, backend_pid});
  }

 private:
  std::deque<Notification>& sink_;
};

Listener::Listener(std::unique_ptr<pqxx::connection> conn) : conn_(std::move(conn)) {}

Listener::~Listener() = default;

Result<std::unique_ptr<Listener>> Listener::open(std::string_view conninfo,
                                                 const std::vector<std::string>& channels) {
  SIGIL_TRY(auto conn, connect(conninfo));
  std::unique_ptr<Listener> listener(new Listener(std::move(conn)));
  try {
    for (const std::string& channel : channels) {
      // The receiver's constructor issues LISTEN.
      listener->receivers_.push_back(
          std::make_unique<Receiver>(*listener->conn_, channel, listener->pending_));
    }
  } catch (...) {
    return unexpected(current_db_error("listen for notifications"));
  }
  return listener;
}

Result<std::optional<Notification>> Listener::wait(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  try {
    conn_->get_notifs();  // those already received
    while (pending_.empty()) {
      // Rounded up: truncating could return up to 1 us before the deadline.
      const auto left = std::chrono::ceil<std::chrono::microseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::optional<Notification>();
      conn_->await_notification(static_cast<long>(left.count() / 1'000'000),
                                static_cast<long>(left.count() % 1'000'000));
    }
  } catch (...) {
    Error e = current_db_error("wait for notifications");
    e.code = Errc::kUnavailable;  // the only thing that can fail here is the connection
    return unexpected(std::move(e));
  }
  Notification n = std::move(pending_.front());
  pending_.pop_front();
  return std::optional<Notification>(std::move(n));
}

}  // namespace sigil::db
