#include "flood_client.hpp"

#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

namespace sigil::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using TlsSocket = net::ssl::stream<tcp::socket>;

tcp::endpoint server(std::uint16_t port) {
  return tcp::endpoint(net::ip::make_address("127.0.0.1"), port);
}

// Runs `io` until `done` or `timeout`; on timeout cancels `socket` and lets the handlers finish.
bool run_until(net::io_context& io, const bool& done, tcp::socket& socket,
               std::chrono::milliseconds timeout) {
  io.restart();
  io.run_for(timeout);
  if (done) return true;
  boost::system::error_code ignored;
  socket.cancel(ignored);
  io.restart();
  io.run();
  return false;
}

bool connect_from(net::io_context& io, tcp::socket& socket, const std::string& source,
                  std::uint16_t port) {
  boost::system::error_code ec;
  socket.open(tcp::v4(), ec);
  if (!ec) socket.bind(tcp::endpoint(net::ip::make_address(source), 0), ec);
  if (ec) return false;
  bool done = false;
  socket.async_connect(server(port), [&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  return run_until(io, done, socket, std::chrono::seconds(2)) && !ec;
}

}  // namespace

struct Flood::Conn {
  explicit Conn(net::io_context& io, net::ssl::context& tls) : stream(io, tls) {}
  TlsSocket stream;
  bool tls = false;
  bool closed = false;
  char sink[1024];
};

Flood::Flood(std::uint16_t port) : port_(port) { tls_.set_verify_mode(net::ssl::verify_none); }

Flood::~Flood() { close_all(); }

int Flood::open(const std::string& source, int count) {
  int connected = 0;
  for (int i = 0; i < count; ++i) {
    auto c = std::make_unique<Conn>(io_, tls_);
    if (!connect_from(io_, c->stream.next_layer(), source, port_)) continue;
    ++connected;
    conns_.push_back(std::move(c));
  }
  return connected;
}

int Flood::open_busy_tls(const std::string& source, int count, const std::string& start) {
  int ready = 0;
  for (int i = 0; i < count; ++i) {
    auto c = std::make_unique<Conn>(io_, tls_);
    if (!connect_from(io_, c->stream.next_layer(), source, port_)) continue;
    c->tls = true;
    bool done = false;
    boost::system::error_code ec;
    c->stream.async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e) {
      ec = e;
      if (!e) {
        net::async_write(c->stream, net::buffer(start),
                         [&](boost::system::error_code we, std::size_t) {
                           ec = we;
                           done = true;
                         });
        return;
      }
      done = true;
    });
    if (!run_until(io_, done, c->stream.next_layer(), std::chrono::seconds(5)) || ec) continue;
    ++ready;
    conns_.push_back(std::move(c));
  }
  return ready;
}

int Flood::closed_within(std::chrono::milliseconds timeout) {
  int closed = 0;
  std::function<void(Conn*)> read = [&](Conn* c) {
    auto on_read = [&, c](boost::system::error_code ec, std::size_t) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {  // EOF, reset, TLS truncation: the server closed it
        c->closed = true;
        ++closed;
        return;
      }
      read(c);  // data (a TLS record, an alert): keep reading until the close
    };
    if (c->tls) {
      c->stream.async_read_some(net::buffer(c->sink), on_read);
    } else {
      c->stream.next_layer().async_read_some(net::buffer(c->sink), on_read);
    }
  };
  for (auto& c : conns_) read(c.get());
  io_.restart();
  io_.run_for(timeout);
  for (auto& c : conns_) {
    boost::system::error_code ignored;
    c->stream.next_layer().cancel(ignored);
  }
  io_.restart();
  io_.run();
  std::erase_if(conns_, [](const std::unique_ptr<Conn>& c) { return c->closed; });
  return closed;
}

int Flood::open_count() const { return static_cast<int>(conns_.size()); }

void Flood::close_all() {
  for (auto& c : conns_) {
    boost::system::error_code ignored;
    c->stream.next_layer().close(ignored);
  }
  conns_.clear();
  io_.restart();
  io_.run();
}

RawExchange tls_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  RawExchange out;
  net::io_context io;
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.set_verify_mode(net::ssl::verify_none);
  TlsSocket stream(io, tls);
  if (!connect_from(io, stream.next_layer(), "127.0.0.1", port)) return out;
  bool done = false;
  char buf[4096];
  std::function<void()> read = [&] {
    stream.async_read_some(net::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
      out.received.append(buf, n);
      if (!ec) {
        read();
        return;
      }
      out.closed = ec != net::error::operation_aborted;
      done = true;
    });
  };
  stream.async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code ec) {
    if (ec) {
      done = true;
      return;
    }
    net::async_write(stream, net::buffer(bytes), [&](boost::system::error_code, std::size_t) {});
    read();
  });
  run_until(io, done, stream.next_layer(), timeout);
  return out;
}

int count_responses(const std::string& received) {
  int n = 0;
  for (auto at = received.find("HTTP/1.1 "); at != std::string::npos;
       at = received.find("HTTP/1.1 ", at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace sigil::testing
