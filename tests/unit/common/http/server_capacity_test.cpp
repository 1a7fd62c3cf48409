// Connection capacity of Server (server.hpp, docs/operations.md "Connection limits"): the
// per-address limit, shedding idle connections at the cap, pressure deadlines, and reserved
// slots. Clients connect from different loopback addresses (127.0.0.2, ...) as different hosts.
#include <chrono>
#include <memory>
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
  return r;
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

}  // namespace
}  // namespace sigil::http
