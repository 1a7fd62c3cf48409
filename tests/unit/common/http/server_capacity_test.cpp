// Connection capacity of Server (server.hpp, docs/operations.md "Connection limits"): the
// per-address limit, shedding idle connections at the cap, pressure deadlines, and reserved
// slots. Clients connect from different loopback addresses (127.0.0.2, ...) as different hosts.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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

Router hello_router() {
  Router r;
  r.add(verb::get, "/hello", [](Request&) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, "hi", kTextPlain);
  });
  r.add(verb::post, "/upload", [](Request& req) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, std::to_string(req.message.body().size()),
                            kTextPlain);
  });
  return r;
}

// Sends a byte every 50 ms, as a slow-body attacker does, until the server closes the
// connection or `budget` has passed; returns the time until the close, or nothing.
std::optional<std::chrono::steady_clock::duration> dribble_until_closed(
    RawConnection& c, milliseconds budget) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < budget) {
    if (!c.write("x") || c.closed_within(milliseconds(50))) {
      return std::chrono::steady_clock::now() - start;
    }
  }
  return std::nullopt;
}

net::ip::address loopback(int last) {
  return net::ip::make_address("127.0.0." + std::to_string(last));
}

// Long deadlines, no pressure below the cap: only the rule under test closes anything.
ServerLimits patient(std::size_t max) {
  ServerLimits l;
  l.max_connections = max;
  l.header_timeout = milliseconds(10'000);
  l.idle_timeout = milliseconds(10'000);
  l.pressure_percent = 100;
  l.pressure_timeout = milliseconds(10'000);
  l.linger_timeout = milliseconds(200);
  return l;
}

// Waits (2 s at most) until the server holds `n` connections.
bool holds(TestServer& ts, std::size_t n) {
  for (int i = 0; i < 200 && ts.server().open_connections() != n; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return ts.server().open_connections() == n;
}

bool served(RawConnection& c) {
  if (!c.write(get_request("/hello"))) return false;
  auto res = c.read_response();
  return res && res->body() == "hi";
}

TEST(ServerCapacity, PerAddressLimitRefusesThatAddressOnly) {
  ServerLimits l = patient(16);
  l.max_connections_per_address = 2;
  TestServer ts(hello_router(), l);
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 2; ++i) {
    flood.push_back(std::make_unique<RawConnection>(ts.endpoint(), loopback(2)));
    ASSERT_TRUE(flood.back()->connected());
  }
  ASSERT_TRUE(holds(ts, 2));
  RawConnection third(ts.endpoint(), loopback(2));
  EXPECT_TRUE(third.closed_within(milliseconds(2000)));
  EXPECT_EQ(ts.observer().rejected(kRefusedPerAddressLimit), 1);
  RawConnection other(ts.endpoint(), loopback(3));
  EXPECT_TRUE(served(other));
  EXPECT_NE(ts.log_text().find("reason=per_address_limit"), std::string::npos);
}

TEST(ServerCapacity, AtTheCapTheLongestIdleConnectionOfTheBusiestAddressIsShed) {
  TestServer ts(hello_router(), patient(3));
  RawConnection lone(ts.endpoint(), loopback(2));  // oldest, but its address has one connection
  std::this_thread::sleep_for(milliseconds(20));
  RawConnection flood_a(ts.endpoint(), loopback(3));
  std::this_thread::sleep_for(milliseconds(20));
  RawConnection flood_b(ts.endpoint(), loopback(3));
  ASSERT_TRUE(holds(ts, 3));
  std::this_thread::sleep_for(ServerLimits{}.shed_min_idle + milliseconds(100));
  RawConnection client(ts.endpoint(), loopback(4));
  EXPECT_TRUE(served(client));
  EXPECT_EQ(ts.observer().shed(), 1);
  EXPECT_EQ(ts.observer().rejected(), 0);
  EXPECT_TRUE(flood_a.closed_within(milliseconds(2000)));
  EXPECT_TRUE(served(lone));  // the lone client kept its connection
  EXPECT_NE(ts.log_text().find("event=http.connection.shed"), std::string::npos);
}

TEST(ServerCapacity, ConnectionsThatJustWentIdleAreNotShed) {
  ServerLimits l = patient(1);
  l.shed_min_idle = milliseconds(5000);
  TestServer ts(hello_router(), l);
  RawConnection first(ts.endpoint());
  ASSERT_TRUE(served(first));  // now idle between requests, for less than shed_min_idle
  RawConnection second(ts.endpoint());
  EXPECT_TRUE(second.closed_within(milliseconds(2000)));
  EXPECT_EQ(ts.observer().rejected(kRefusedConnectionLimit), 1);
  EXPECT_TRUE(served(first));
}

TEST(ServerCapacity, UnderPressureWaitsAreCutAlsoForConnectionsAlreadyWaiting) {
  ServerLimits l = patient(4);
  l.pressure_percent = 50;  // pressure from 2 connections on
  l.pressure_timeout = milliseconds(300);
  TestServer ts(hello_router(), l);
  RawConnection early(ts.endpoint(), loopback(2));  // waits with the 10 s header deadline
  ASSERT_TRUE(holds(ts, 1));
  const auto start = std::chrono::steady_clock::now();
  RawConnection late(ts.endpoint(), loopback(3));  // pressure begins
  EXPECT_TRUE(early.closed_within(milliseconds(3000)));
  EXPECT_TRUE(late.closed_within(milliseconds(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
  EXPECT_TRUE(holds(ts, 0));
  EXPECT_GE(ts.observer().pressure_timeouts(), 2);
  RawConnection after(ts.endpoint());  // pressure over: a client is served normally
  EXPECT_TRUE(served(after));
}

TEST(ServerCapacity, ReservedSlotsGoOnlyToReservedClientsWhenTheListenerIsFull) {
  ServerLimits l = patient(1);
  l.reserved_connections = 1;
  const net::ip::address admin = loopback(5);
  TestServer ts(hello_router(), l, std::nullopt,
                [admin](const net::ip::address& peer) { return peer == admin; });
  RawConnection busy(ts.endpoint(), loopback(2));
  ASSERT_TRUE(busy.write("GET /hello HTTP/1.1\r\n"));  // in a request: never shed
  ASSERT_TRUE(holds(ts, 1));
  RawConnection stranger(ts.endpoint(), loopback(3));
  EXPECT_TRUE(stranger.closed_within(milliseconds(2000)));
  EXPECT_EQ(ts.observer().rejected(kRefusedConnectionLimit), 1);
  RawConnection operator_client(ts.endpoint(), admin);
  EXPECT_TRUE(served(operator_client));
  ASSERT_TRUE(operator_client.write("GET /hello HTTP/1.1\r\n"));  // busy again: not shed
  RawConnection second_admin(ts.endpoint(), admin);  // the one reserved slot is taken
  EXPECT_TRUE(second_admin.closed_within(milliseconds(2000)));
  ASSERT_TRUE(busy.write("Host: t\r\n\r\n"));
  EXPECT_TRUE(busy.read_response());
}

TEST(ServerCapacity, UnderPressureASlowRequestBodyIsCutAtThePressureDeadline) {
  ServerLimits l = patient(4);
  l.pressure_percent = 25;  // one connection is pressure: every read starts with the cut deadline
  l.pressure_timeout = milliseconds(300);
  l.body_timeout = milliseconds(10'000);
  TestServer ts(hello_router(), l);
  RawConnection slow(ts.endpoint(), loopback(2));
  ASSERT_TRUE(slow.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n"));
  const auto closed = dribble_until_closed(slow, milliseconds(5000));
  ASSERT_TRUE(closed.has_value()) << "a body dribbled for 5 s was not cut";
  EXPECT_LT(*closed, milliseconds(2000));  // the pressure deadline, not body_timeout (10 s)
  EXPECT_TRUE(holds(ts, 0));
  EXPECT_GE(ts.observer().pressure_timeouts(), 1);
  RawConnection prompt(ts.endpoint(), loopback(3));  // a body sent at once is still served
  ASSERT_TRUE(prompt.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
  auto res = prompt.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "5");
}

TEST(ServerCapacity, WhenPressureBeginsASlowBodyAlreadyBeingReadIsCut) {
  ServerLimits l = patient(4);
  l.pressure_percent = 50;  // pressure from 2 connections on
  l.pressure_timeout = milliseconds(300);
  l.body_timeout = milliseconds(10'000);
  TestServer ts(hello_router(), l);
  RawConnection slow(ts.endpoint(), loopback(2));
  ASSERT_TRUE(slow.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n"));
  // No pressure yet: the body read has its 10 s deadline and outlives the pressure timeout.
  EXPECT_FALSE(dribble_until_closed(slow, milliseconds(600)).has_value());
  RawConnection newcomer(ts.endpoint(), loopback(3));  // pressure begins
  ASSERT_TRUE(holds(ts, 2));
  const auto closed = dribble_until_closed(slow, milliseconds(5000));
  ASSERT_TRUE(closed.has_value()) << "pressure did not cut a body read already under way";
  EXPECT_LT(*closed, milliseconds(2000));
  EXPECT_GE(ts.observer().pressure_timeouts(), 1);
}

TEST(ServerCapacity, WithoutPressureASlowBodyKeepsItsDeadlineAndIsServed) {
  ServerLimits l = patient(4);
  l.pressure_timeout = milliseconds(200);  // pressure_percent 100: never reached here
  l.body_timeout = milliseconds(10'000);
  TestServer ts(hello_router(), l);
  RawConnection slow(ts.endpoint(), loopback(2));
  ASSERT_TRUE(slow.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n"));
  for (int i = 0; i < 10; ++i) {  // 10 bytes over about 0.6 s: three pressure timeouts' worth
    ASSERT_TRUE(slow.write("x"));
    ASSERT_FALSE(slow.closed_within(milliseconds(60)));
  }
  ASSERT_TRUE(slow.write("xxxxxxxxxx"));
  auto res = slow.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "20");
  EXPECT_EQ(ts.observer().pressure_timeouts(), 0);
}

}  // namespace
}  // namespace sigil::http
