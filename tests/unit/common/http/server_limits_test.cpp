// Size limits, malformed framing, deadlines and the connection cap of Server.
#include <chrono>
#include <string>

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

Router echo_router() {
  Router r;
  r.add(verb::post, "/echo", [](Request& req) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, req.message.body(), kTextPlain);
  });
  r.add(verb::get, "/hello", [](Request&) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, "hi", kTextPlain);
  });
  return r;
}

ServerLimits small_limits() {
  ServerLimits l;
  l.body_limit = 1024;
  l.header_limit = 1024;
  l.header_timeout = milliseconds(200);
  l.idle_timeout = milliseconds(2000);
  l.linger_timeout = milliseconds(200);
  return l;
}

std::string post(std::string_view body, std::string_view extra = "") {
  return "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

TEST(ServerLimits, BodyWithinTheLimitIsRead) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(post(std::string(1024, 'x'))));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body().size(), 1024u);
}

TEST(ServerLimits, ContentLengthOverTheBodyLimitIs413AndCloses) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(post(std::string(4096, 'x'))));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
  EXPECT_NE(ts.log_text().find("path=/echo status=413"), std::string::npos) << ts.log_text();
}

TEST(ServerLimits, ChunkedBodyOverTheLimitIs413AndCloses) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  std::string chunk(800, 'y');
  std::string req = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2; ++i) req += "320\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.write(req));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413u);
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
}

TEST(ServerLimits, ChunkedBodyWithinTheLimitIsAccepted) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(
      c.write("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhello\r\n0\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "hello");
}

TEST(ServerLimits, HeaderOverTheLimitIs431AndCloses) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/hello", "X-Big: " + std::string(2048, 'h') + "\r\n")));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 431u);
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
}

TEST(ServerLimits, ContentLengthWithTransferEncodingIs400AndCloses) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(
      c.write("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
              "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400u);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
}

TEST(ServerLimits, GarbageRequestLineIs400) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write("\x01\x02 nonsense\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400u);
}

TEST(ServerLimits, SlowClientThatNeverFinishesItsHeaderIsDisconnectedAtTheDeadline) {
  TestServer ts(echo_router(), small_limits());  // header deadline 200 ms
  RawConnection c(ts.endpoint());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.write("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // no blank line, ever
  EXPECT_TRUE(c.closed_within(milliseconds(3000)));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, milliseconds(150));
  EXPECT_LT(waited, milliseconds(2000));
}

TEST(ServerLimits, SilentNewConnectionIsClosedAtTheHeaderDeadline) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  EXPECT_TRUE(c.closed_within(milliseconds(3000)));
}

TEST(ServerLimits, IdleKeepAliveConnectionIsClosedAtTheIdleDeadline) {
  ServerLimits l = small_limits();
  l.idle_timeout = milliseconds(300);
  TestServer ts(echo_router(), l);
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/hello")));
  ASSERT_TRUE(c.read_response());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_within(milliseconds(3000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(250));
}

TEST(ServerLimits, ExpectContinueGets100BeforeTheBody) {
  TestServer ts(echo_router(), small_limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(
      c.write("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
              "Expect: 100-continue\r\n\r\n"));
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->result_int(), 100u);
  ASSERT_TRUE(c.write("ok"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "ok");
}

TEST(ServerLimits, ConnectionsOverTheCapAreClosedAndCounted) {
  ServerLimits l = small_limits();
  l.max_connections = 1;
  l.header_timeout = milliseconds(5000);
  l.pressure_timeout = milliseconds(5000);
  TestServer ts(echo_router(), l);
  RawConnection first(ts.endpoint());
  ASSERT_TRUE(first.write("GET /hello HTTP/1.1\r\n"));  // busy: a request under way
  RawConnection second(ts.endpoint());
  EXPECT_TRUE(second.closed_within(milliseconds(2000)));
  EXPECT_EQ(ts.observer().rejected(), 1);
  EXPECT_EQ(ts.observer().rejected(kRefusedConnectionLimit), 1);
  EXPECT_EQ(ts.observer().shed(), 0);  // a connection in a request is never shed
  EXPECT_NE(ts.log_text().find("event=http.connection.rejected"), std::string::npos);
  ASSERT_TRUE(first.write("Host: t\r\n\r\n"));  // the first one still works
  EXPECT_TRUE(first.read_response());
}

}  // namespace
}  // namespace sigil::http
