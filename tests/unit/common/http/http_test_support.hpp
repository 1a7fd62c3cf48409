#pragma once
// Helpers for the common/http tests: an in-process Server on 127.0.0.1:0 with a log file and a
// recording observer, and a raw client connection whose every wait has a deadline (so a server
// bug fails a test instead of hanging it).

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sigil/base/log.hpp"
#include "sigil/http/server.hpp"

namespace sigil::http::testing {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using RawResponse = bhttp::response<bhttp::string_body>;

struct SeenRequest {
  std::string method, path, endpoint, fault;
  unsigned status = 0;
  std::size_t bytes = 0;
};

class RecordingObserver final : public ServerObserver {
 public:
  void on_request(const AccessRecord& r) override;
  void on_connection_rejected(std::string_view, std::string_view reason) override;
  void on_connection_shed(std::string_view) override;
  void on_pressure_timeout(std::string_view) override;
  void on_internal_error(std::string_view) override;
  void on_accept_failed(std::string_view) override {}
  void on_tls_handshake_failed(std::string_view) override;
  std::vector<SeenRequest> requests() const;
  /// requests() once there are at least `n` (or after 2 s).
  std::vector<SeenRequest> wait_for_requests(std::size_t n) const;
  int rejected() const;
  /// Refusals with this reason (http::kRefused*).
  int rejected(std::string_view reason) const;
  int shed() const;
  int pressure_timeouts() const;
  int internal_errors() const;
  /// Failed TLS handshakes once there are at least `n` (or after 2 s).
  int wait_for_handshake_failures(int n) const;

 private:
  mutable std::mutex mu_;
  std::vector<SeenRequest> requests_;
  int rejected_ = 0;
  std::vector<std::string> rejected_reasons_;
  int shed_ = 0;
  int pressure_timeouts_ = 0;
  int internal_errors_ = 0;
  int handshake_failures_ = 0;
};

// A started server on 127.0.0.1:0 with 2 io threads and 2 blocking threads; HTTPS with `tls`.
class TestServer {
 public:
  /// `reserved`: Server::set_reserved_clients before start.
  explicit TestServer(Router router, ServerLimits limits = {},
                      std::optional<TlsOptions> tls = std::nullopt,
                      Server::PeerFilter reserved = nullptr);
  ~TestServer();

  std::string url(std::string_view target) const;
  tcp::endpoint endpoint() const { return endpoint_; }
  Server& server() { return *server_; }
  IoRuntime& runtime() { return runtime_; }
  RecordingObserver& observer() { return observer_; }
  /// Everything logged so far.
  std::string log_text() const;
  /// The log once it contains `needle` (the access line is written after the response, so a
  /// client can see the answer first), or after 2 s whatever it is then.
  std::string log_with(std::string_view needle) const;

 private:
  IoRuntime runtime_{2, 2};
  std::FILE* log_file_;
  log::Logger logger_;
  RecordingObserver observer_;
  std::unique_ptr<Server> server_;
  tcp::endpoint endpoint_;
};

// One client connection; every operation gives up after its timeout.
class RawConnection {
 public:
  /// Connects from `source` (an address on this host, e.g. 127.0.0.2) when it is given.
  explicit RawConnection(const tcp::endpoint& endpoint,
                         std::optional<net::ip::address> source = std::nullopt);
  bool connected() const { return connected_; }
  bool write(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(2));
  /// The next response, or nothing on close, error or timeout.
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(2));
  /// True when the server closes the connection (EOF or reset) within `timeout`; data sent
  /// before the close is discarded.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  // Runs the io_context until `done` or the timeout; cancels on timeout.
  bool run(bool& done, std::chrono::milliseconds timeout);

  net::io_context io_;
  tcp::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

/// "GET /x HTTP/1.1\r\nHost: t\r\n\r\n" plus extra header lines.
std::string get_request(std::string_view target, std::string_view extra_headers = "");

}  // namespace sigil::http::testing
