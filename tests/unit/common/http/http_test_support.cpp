#include "http_test_support.hpp"

#include <algorithm>
#include <thread>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <gtest/gtest.h>

#include "sigil/http/address.hpp"

namespace sigil::http::testing {

void RecordingObserver::on_request(const AccessRecord& r) {
  std::lock_guard lock(mu_);
  requests_.push_back({std::string(r.method), std::string(r.path), std::string(r.endpoint),
                       std::string(r.fault), r.status, r.bytes});
}
void RecordingObserver::on_connection_rejected(std::string_view, std::string_view reason) {
  std::lock_guard lock(mu_);
  ++rejected_;
  rejected_reasons_.emplace_back(reason);
}
void RecordingObserver::on_connection_shed(std::string_view) {
  std::lock_guard lock(mu_);
  ++shed_;
}
void RecordingObserver::on_pressure_timeout(std::string_view) {
  std::lock_guard lock(mu_);
  ++pressure_timeouts_;
}
int RecordingObserver::rejected(std::string_view reason) const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count(rejected_reasons_.begin(), rejected_reasons_.end(), reason));
}
int RecordingObserver::shed() const {
  std::lock_guard lock(mu_);
  return shed_;
}
int RecordingObserver::pressure_timeouts() const {
  std::lock_guard lock(mu_);
  return pressure_timeouts_;
}
void RecordingObserver::on_internal_error(std::string_view) {
  std::lock_guard lock(mu_);
  ++internal_errors_;
}
void RecordingObserver::on_tls_handshake_failed(std::string_view) {
  std::lock_guard lock(mu_);
  ++handshake_failures_;
}
int RecordingObserver::wait_for_handshake_failures(int n) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (handshake_failures_ >= n || std::chrono::steady_clock::now() >= deadline) {
        return handshake_failures_;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}
std::vector<SeenRequest> RecordingObserver::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}
std::vector<SeenRequest> RecordingObserver::wait_for_requests(std::size_t n) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (requests().size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return requests();
}
int RecordingObserver::rejected() const {
  std::lock_guard lock(mu_);
  return rejected_;
}
int RecordingObserver::internal_errors() const {
  std::lock_guard lock(mu_);
  return internal_errors_;
}

TestServer::TestServer(Router router, ServerLimits limits, std::optional<TlsOptions> tls,
                       Server::PeerFilter reserved)
    : log_file_(std::tmpfile()), logger_(log::Format::kText, log::Level::kDebug, log_file_) {
  runtime_.start();
  server_ =
      std::make_unique<Server>(runtime_, "test", limits, std::move(router), logger_, &observer_);
  auto ep = server_->listen("127.0.0.1:0", std::move(tls));
  EXPECT_TRUE(ep) << ep.error();
  if (ep) endpoint_ = *ep;
  if (reserved) server_->set_reserved_clients(std::move(reserved));
  server_->start();
}

TestServer::~TestServer() {
  server_->stop();
  server_.reset();
  runtime_.stop();
  if (log_file_ != nullptr) std::fclose(log_file_);
}

std::string TestServer::url(std::string_view target) const {
  return "http://" + format_endpoint(endpoint_) + std::string(target);
}

std::string TestServer::log_text() const {
  // pread: the logger writes from io threads through the same FILE; reading must not move the
  // file offset it writes at (the logger flushes after every line).
  std::string out;
  char buf[4096];
  for (off_t offset = 0;;) {
    ssize_t n = pread(fileno(log_file_), buf, sizeof buf, offset);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

std::string TestServer::log_with(std::string_view needle) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::string text = log_text();
  while (text.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    text = log_text();
  }
  return text;
}

RawConnection::RawConnection(const tcp::endpoint& endpoint,
                             std::optional<net::ip::address> source) {
  if (source) {
    boost::system::error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec) socket_.bind(tcp::endpoint(*source, 0), ec);
    if (ec) return;
  }
  bool done = false;
  boost::system::error_code result;
  socket_.async_connect(endpoint, [&](boost::system::error_code ec) {
    result = ec;
    done = true;
  });
  connected_ = run(done, std::chrono::seconds(2)) && !result;
}

bool RawConnection::run(bool& done, std::chrono::milliseconds timeout) {
  io_.restart();
  io_.run_for(timeout);
  if (done) return true;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
  io_.restart();
  io_.run();
  return false;
}

bool RawConnection::write(std::string_view bytes, std::chrono::milliseconds timeout) {
  bool done = false;
  boost::system::error_code result;
  net::async_write(socket_, net::buffer(bytes.data(), bytes.size()),
                   [&](boost::system::error_code ec, std::size_t) {
                     result = ec;
                     done = true;
                   });
  return run(done, timeout) && !result;
}

std::optional<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
  bool done = false;
  boost::system::error_code result;
  RawResponse res;
  bhttp::async_read(socket_, buffer_, res, [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run(done, timeout) || result) return std::nullopt;
  return res;
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    bool done = false;
    boost::system::error_code result;
    char sink[4096];
    socket_.async_read_some(net::buffer(sink), [&](boost::system::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run(done, left)) return false;
    if (result) return result == net::error::eof || result == net::error::connection_reset;
  }
}

std::string get_request(std::string_view target, std::string_view extra_headers) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) +
         "\r\n";
}

}  // namespace sigil::http::testing
