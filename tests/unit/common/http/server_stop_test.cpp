// Graceful stop of Server: in-flight requests finish, idle connections close, the drain
// deadline force-closes what is left.
#include <atomic>
#include <chrono>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "http_test_support.hpp"
#include "sigil/http/server.hpp"

namespace sigil::http {
namespace {

using bhttp::verb;
using std::chrono::milliseconds;
using testing::get_request;
using testing::RawConnection;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

// GET /slow?ms=N answers after N milliseconds (an async wait, not a blocked thread).
Router slow_router(std::atomic<int>* started) {
  Router r;
  r.add(verb::get, "/slow", [started](Request& req) -> net::awaitable<Response> {
    started->fetch_add(1);
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(milliseconds(std::stoi(req.query.substr(3))));
    co_await timer.async_wait(net::use_awaitable);
    co_return make_response(bhttp::status::ok, "done", kTextPlain);
  });
  r.add(verb::get, "/hello", [](Request&) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, "hi", kTextPlain);
  });
  return r;
}

void wait_for(const std::atomic<int>& n, int value) {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (n.load() < value && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
}

TEST(ServerStop, InFlightRequestFinishesThenStopReturns) {
  std::atomic<int> started{0};
  ServerLimits l;
  l.drain_timeout = milliseconds(5000);
  TestServer ts(slow_router(&started), l);
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/slow?ms=400")));
  wait_for(started, 1);
  auto begin = Clock::now();
  ts.server().stop();
  auto took = Clock::now() - begin;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(4000));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "done");
  EXPECT_FALSE(res->keep_alive());  // told the client this connection ends
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
  EXPECT_EQ(ts.server().open_connections(), 0u);
}

TEST(ServerStop, IdleConnectionsAreClosedAtOnce) {
  std::atomic<int> started{0};
  ServerLimits l;
  l.idle_timeout = milliseconds(60000);
  l.drain_timeout = milliseconds(10000);
  TestServer ts(slow_router(&started), l);
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/hello")));
  ASSERT_TRUE(c.read_response());
  auto begin = Clock::now();
  ts.server().stop();
  EXPECT_LT(Clock::now() - begin, milliseconds(2000));
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
}

TEST(ServerStop, NewConnectionsAreRefusedAfterStop) {
  std::atomic<int> started{0};
  TestServer ts(slow_router(&started));
  ts.server().stop();
  RawConnection c(ts.endpoint());
  EXPECT_TRUE(!c.connected() || c.closed_within(milliseconds(2000)));
}

TEST(ServerStop, DrainDeadlineForceClosesWhatIsLeft) {
  std::atomic<int> started{0};
  ServerLimits l;
  l.drain_timeout = milliseconds(200);
  TestServer ts(slow_router(&started), l);
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/slow?ms=1500")));
  wait_for(started, 1);
  auto begin = Clock::now();
  ts.server().stop();
  auto took = Clock::now() - begin;
  EXPECT_GE(took, milliseconds(150));
  // The socket is closed at the deadline; stop() itself returns once the handler's coroutine
  // has ended (handlers are bounded; a blocking one cannot be interrupted).
  EXPECT_LT(took, milliseconds(4000));
  EXPECT_NE(ts.log_text().find("event=http.drain.timeout listener=test remaining=1"),
            std::string::npos)
      << ts.log_text();
  EXPECT_FALSE(c.read_response(milliseconds(3000)));  // closed without an answer
}

TEST(ServerStop, StopIsIdempotentAndLogsOnce) {
  std::atomic<int> started{0};
  TestServer ts(slow_router(&started));
  ts.server().stop();
  ts.server().stop();
  std::string log = ts.log_text();
  auto first = log.find("event=listener.stopped");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(log.find("event=listener.stopped", first + 1), std::string::npos);
}

}  // namespace
}  // namespace sigil::http
