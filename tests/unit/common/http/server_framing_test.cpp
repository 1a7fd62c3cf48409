// Message framing Server refuses before reading a body (docs/security.md "HTTP framing"): a
// Transfer-Encoding other than exactly `chunked`, and obs-fold. Each refusal closes the
// connection, so the bytes after the header are never parsed as another request.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "http_test_support.hpp"
#include "sigil/http/server.hpp"

namespace sigil::http {
namespace {

using bhttp::verb;
using std::chrono::milliseconds;
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

ServerLimits limits() {
  ServerLimits l;
  l.header_timeout = milliseconds(2000);
  l.linger_timeout = milliseconds(200);
  return l;
}

// A request smuggled in the "body" of the first one.
constexpr std::string_view kSmuggled = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

// Sends `header_lines` + blank line + kSmuggled; expects `status`, Connection: close, a closed
// connection, and that only one request was ever seen (the refused one, not the smuggled one).
void expect_refused(std::string_view header_lines, unsigned status) {
  TestServer ts(echo_router(), limits());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write("POST /echo HTTP/1.1\r\nHost: t\r\n" + std::string(header_lines) + "\r\n" +
                      std::string(kSmuggled)));
  auto res = c.read_response();
  ASSERT_TRUE(res) << header_lines;
  EXPECT_EQ(res->result_int(), status) << header_lines;
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
  std::this_thread::sleep_for(milliseconds(100));  // a smuggled request would be logged by now
  auto seen = ts.observer().requests();
  ASSERT_EQ(seen.size(), 1u) << header_lines;
  EXPECT_EQ(seen[0].endpoint, "rejected");
  EXPECT_EQ(seen[0].status, status);
  EXPECT_EQ(seen[0].path, "/echo");
}

TEST(ServerFraming, TransferEncodingGzipIs501AndItsBodyIsNeverARequest) {
  expect_refused("Transfer-Encoding: gzip\r\n", 501);
  expect_refused("Transfer-Encoding: gzip, chunked\r\n", 501);
  expect_refused("Transfer-Encoding: deflate\r\n", 501);
  expect_refused("Transfer-Encoding: identity\r\n", 501);
}

TEST(ServerFraming, MalformedTransferEncodingIs400AndCloses) {
  expect_refused("Transfer-Encoding: xchunked\r\n", 400);
  expect_refused("Transfer-Encoding: chunked, x\r\n", 400);
  expect_refused("Transfer-Encoding: chunked;q=1\r\n", 400);
  expect_refused("Transfer-Encoding: \r\n", 400);
  expect_refused("Transfer-Encoding:\tchunked\r\n", 400);
  expect_refused("Transfer-Encoding: chunked\t\r\n", 400);
  expect_refused("Transfer-Encoding: \"chunked\"\r\n", 400);
  expect_refused("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400);
  expect_refused("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 400);
}

TEST(ServerFraming, ObsFoldIs400AndCloses) {
  expect_refused("Transfer-Encoding:\r\n chunked\r\n", 400);
  expect_refused("Transfer-Encoding: gzip,\r\n\tchunked\r\n", 400);
  expect_refused("X-Note: a\r\n folded value\r\n", 400);
}

TEST(ServerFraming, ExactlyChunkedInAnyCaseIsStillServed) {
  for (std::string_view te : {"chunked", "Chunked", "CHUNKED"}) {
    TestServer ts(echo_router(), limits());
    RawConnection c(ts.endpoint());
    ASSERT_TRUE(c.write("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " +
                        std::string(te) + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
                        std::string(kSmuggled)));
    auto res = c.read_response();
    ASSERT_TRUE(res) << te;
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_EQ(res->body(), "hello");
    auto next = c.read_response();  // the pipelined request after a correct body is a request
    ASSERT_TRUE(next);
    EXPECT_EQ(next->body(), "hi");
  }
}

}  // namespace
}  // namespace sigil::http
