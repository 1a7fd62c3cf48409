#include "load_generator.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "sigil/http/awaitable_io.hpp"

namespace sigil::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using http::TcpStream;
using http::TlsStream;
using http::Timer;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kIoTimeout = 30s;
constexpr std::uint64_t kBodyLimit = std::uint64_t{4} << 20;

// State of one run, shared by the connection coroutines (all on the one io thread).
struct Run {
  Run(const LoadOptions& o, net::ssl::context& t) : options(o), tls(t) {}
  const LoadOptions& options;
  net::ssl::context& tls;
  SteadyTime start;
  SteadyTime window_begin;
  SteadyTime window_end;
  std::uint64_t next_seq = 0;
  unsigned connections_made = 0;
  LoadResult result;

  void note_failure(std::string what) {
    if (result.first_failure.empty()) result.first_failure = std::move(what);
  }
  // When request `seq` is due (open loop) or now (closed loop).
  SteadyTime due(std::uint64_t seq) const {
    if (options.rate <= 0) return Steady::now();
    auto offset = std::chrono::duration<double>(static_cast<double>(seq) / options.rate);
    return start + std::chrono::duration_cast<Steady::duration>(offset);
  }
};

net::awaitable<std::optional<TlsStream>> open_connection(Run& run) {
  std::optional<TlsStream> stream;
  stream.emplace(co_await net::this_coro::executor, run.tls);
  TcpStream& tcp = beast::get_lowest_layer(*stream);
  tcp.expires_after(kIoTimeout);
  boost::system::error_code ec;
  net::ip::tcp::endpoint endpoint(net::ip::make_address(run.options.host, ec), run.options.port);
  if (ec) {
    run.note_failure("bad host " + run.options.host);
    co_return std::nullopt;
  }
  auto [cec] = co_await tcp.async_connect(endpoint);
  if (cec) {
    run.note_failure("connect: " + cec.message());
    co_return std::nullopt;
  }
  tcp.socket().set_option(net::ip::tcp::no_delay(true), ec);
  auto [hec] = co_await stream->async_handshake(net::ssl::stream_base::client);
  if (hec) {
    run.note_failure("TLS handshake: " + hec.message());
    co_return std::nullopt;
  }
  ++run.connections_made;
  co_return stream;
}

bhttp::request<bhttp::string_body> http_request(const LoadOptions& o, const LoadRequest& r) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, o.target, 11};
  req.set(bhttp::field::host, o.host + ":" + std::to_string(o.port));
  req.set(bhttp::field::user_agent, "sigil_sts_bench");
  req.set(bhttp::field::content_type, "text/xml; charset=\"UTF-8\"");
  req.set("SOAPAction", r.soap_action);
  req.keep_alive(true);
  req.body() = r.body;
  req.prepare_payload();
  return req;
}

// Counts one answer if its request was sent inside the measured window.
void record(Run& run, const LoadAnswer& answer, bool good) {
  if (answer.sent < run.window_begin) return;
  if (good) {
    ++run.result.ok;
    run.result.latency_us.push_back(
        std::chrono::duration<double, std::micro>(answer.received - answer.sent).count());
    return;
  }
  ++run.result.failed;
  run.note_failure("HTTP " + std::to_string(answer.status) + ": " +
                   std::string(answer.body.substr(0, 600)));
}

net::awaitable<void> connection(Run& run) {
  std::optional<TlsStream> stream;
  beast::flat_buffer buffer;
  Timer timer(co_await net::this_coro::executor);
  for (;;) {
    const std::uint64_t seq = run.next_seq++;
    SteadyTime sent = run.due(seq);
    if (sent >= run.window_end) break;
    if (sent > Steady::now()) {
      timer.expires_at(sent);
      co_await timer.async_wait();
    }
    if (!stream) {
      stream = co_await open_connection(run);
      buffer.clear();
      if (!stream) {
        ++run.result.reconnects;
        if (sent >= run.window_begin) ++run.result.failed;
        timer.expires_after(50ms);
        co_await timer.async_wait();
        continue;
      }
    }
    const LoadRequest request = run.options.next(seq);
    auto req = http_request(run.options, request);
    if (run.options.rate <= 0) sent = Steady::now();
    beast::get_lowest_layer(*stream).expires_after(kIoTimeout);
    auto [wec, wn] = co_await bhttp::async_write(*stream, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    boost::system::error_code rec = wec;
    if (!wec) std::tie(rec, std::ignore) = co_await bhttp::async_read(*stream, buffer, parser);
    if (rec) {
      run.note_failure("I/O: " + rec.message());
      if (sent >= run.window_begin) ++run.result.failed;
      ++run.result.reconnects;
      stream.reset();
      continue;
    }
    const auto& res = parser.get();
    LoadAnswer answer{&request, res.result_int(), res.body(), sent, Steady::now()};
    record(run, answer, run.options.check(answer));
    if (!res.keep_alive()) {
      ++run.result.reconnects;
      stream.reset();
    }
  }
  if (stream) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(*stream).socket().close(ignored);
  }
}

// Calls the window hooks on time.
net::awaitable<void> window_marks(Run& run) {
  Timer timer(co_await net::this_coro::executor);
  timer.expires_at(run.window_begin);
  co_await timer.async_wait();
  if (run.options.on_window_begin) run.options.on_window_begin();
  timer.expires_at(run.window_end);
  co_await timer.async_wait();
  if (run.options.on_window_end) run.options.on_window_end();
}

}  // namespace

double LoadResult::percentile_us(double p) const {
  if (latency_us.empty()) return 0;
  std::vector<double> sorted = latency_us;
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

Result<LoadResult> run_load(const LoadOptions& options) {
  if (options.tls == nullptr || !options.next || !options.check || options.connections == 0 ||
      options.port == 0) {
    return fail(Errc::kInvalidArgument, "load options incomplete");
  }
  // net::ssl::context takes ownership of the SSL_CTX it wraps: give it its own reference.
  SSL_CTX_up_ref(options.tls);
  net::ssl::context tls(options.tls);
  net::io_context io(1);
  Run run{options, tls};
  run.start = Steady::now();
  run.window_begin = run.start + options.warmup;
  run.window_end = run.window_begin + options.duration;
  std::exception_ptr failure;
  auto on_exception = [&failure](std::exception_ptr e) {
    if (e && !failure) failure = e;
  };
  net::co_spawn(io, window_marks(run), on_exception);
  for (unsigned i = 0; i < options.connections; ++i) {
    net::co_spawn(io, connection(run), on_exception);
  }
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return fail(Errc::kInternal, std::string("load generator: ") + e.what());
    }
  }
  if (run.connections_made == 0) {
    return fail(Errc::kUnavailable, "no connection to the server: " + run.result.first_failure);
  }
  run.result.seconds = std::chrono::duration<double>(options.duration).count();
  return std::move(run.result);
}

}  // namespace sigil::bench
