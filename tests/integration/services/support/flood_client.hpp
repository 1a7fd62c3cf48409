#pragma once
// Connections an attack test holds open against a running listener on 127.0.0.1, each from a
// chosen source address on the loopback network (127.0.0.2, 127.0.0.3, ...: to the server,
// different hosts), and raw exchanges over TLS. Every wait has a deadline, so a server that
// misbehaves fails a test instead of hanging it.
//
//   Flood idle(port);
//   idle.open("127.0.0.2", 40);                  // TCP only: no ClientHello, ever
//   int refused = idle.closed_within(500ms);     // the server closed these at once
//
// Thread-safety: one test thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace sigil::testing {

class Flood {
 public:
  explicit Flood(std::uint16_t port);
  ~Flood();
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  /// Opens `count` TCP connections from `source` that never send a byte. Returns how many
  /// connected (the kernel accepts them into the backlog even when the server will refuse them).
  int open(const std::string& source, int count);
  /// Opens `count` connections from `source` that complete the TLS handshake and then send
  /// `start` (by default the first line of a request) and nothing more: busy connections a
  /// server must not shed. Returns how many completed the handshake within 5 s each.
  int open_busy_tls(const std::string& source, int count,
                    const std::string& start = "GET /healthz HTTP/1.1\r\n");
  /// Of the connections still counted open, how many the server closes within `timeout`; those
  /// are forgotten.
  int closed_within(std::chrono::milliseconds timeout);
  /// Connections not (yet) seen closed.
  int open_count() const;
  /// Closes every connection from our side.
  void close_all();

 private:
  struct Conn;
  std::uint16_t port_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::vector<std::unique_ptr<Conn>> conns_;
};

/// What a raw TLS exchange saw: every byte the server sent until it closed the connection (or
/// `timeout` passed) and whether it closed.
struct RawExchange {
  std::string received;
  bool closed = false;
};

/// Connects to 127.0.0.1:`port` over TLS (no certificate check: the tests look at HTTP), sends
/// `bytes` as they are and reads until the server closes or `timeout` passes.
RawExchange tls_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// How many HTTP status lines ("HTTP/1.1 NNN") `received` holds.
int count_responses(const std::string& received);

}  // namespace sigil::testing
