#include "sigil/http/awaitable_io.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

namespace sigil::http {
namespace {

namespace net = boost::asio;
using boost::system::error_code;

// One executor for every I/O object, and TLS over the same TCP stream type.
static_assert(std::is_same_v<TlsStream::next_layer_type, TcpStream>);
static_assert(std::is_same_v<TcpStream::executor_type, Executor>);
static_assert(std::is_same_v<Timer::executor_type, Executor>);
static_assert(std::is_same_v<Acceptor::executor_type, Executor>);
static_assert(std::is_same_v<Resolver::executor_type, Executor>);

// Runs `body` as a coroutine on a fresh io_context until it finishes. An exception escaping it
// (an error thrown instead of returned) is rethrown here, so a test fails on it.
template <class F>
void run(F body) {
  net::io_context io;
  std::exception_ptr escaped;
  net::co_spawn(io, body(), [&](std::exception_ptr e) { escaped = e; });
  io.run();
  if (escaped) std::rethrow_exception(escaped);
}

TEST(AwaitableIo, ACancelledWaitReturnsItsErrorAsAValue) {
  std::optional<error_code> got;
  auto body = [&]() -> net::awaitable<void> {
    Timer t(co_await net::this_coro::executor);
    t.expires_after(std::chrono::hours(1));
    Timer canceller(co_await net::this_coro::executor);
    canceller.expires_after(std::chrono::milliseconds(1));
    canceller.async_wait([&t](error_code) { t.cancel(); });
    auto [ec] = co_await t.async_wait();  // no token: as_tuple(use_awaitable) is the default
    got = ec;
  };
  EXPECT_NO_THROW(run(body));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, net::error::operation_aborted);
}

TEST(AwaitableIo, ARefusedConnectReturnsItsErrorAsAValue) {
  // A port nobody listens on: bind one, note it, close it.
  net::io_context probe;
  net::ip::tcp::acceptor a(probe, {net::ip::make_address("127.0.0.1"), 0});
  const net::ip::tcp::endpoint closed = a.local_endpoint();
  a.close();
  std::optional<error_code> got;
  auto body = [&]() -> net::awaitable<void> {
    TcpStream s(co_await net::this_coro::executor);
    s.expires_after(std::chrono::seconds(10));
    auto [ec] = co_await s.async_connect(closed);
    got = ec;
  };
  EXPECT_NO_THROW(run(body));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, net::error::connection_refused);
}

}  // namespace
}  // namespace sigil::http
