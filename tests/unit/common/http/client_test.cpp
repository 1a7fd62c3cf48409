#include "sigil/http/client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "http_test_support.hpp"

namespace sigil::http {
namespace {

using bhttp::verb;
using std::chrono::milliseconds;

Router router() {
  Router r;
  r.add(verb::post, "/echo", [](Request& req) -> net::awaitable<Response> {
    Response res = make_response(bhttp::status::created, req.message.body(), kJson);
    co_return res;
  });
  r.add(verb::get, "/stall", [](Request&) -> net::awaitable<Response> {
    net::steady_timer t(co_await net::this_coro::executor);
    t.expires_after(milliseconds(1500));
    co_await t.async_wait(net::use_awaitable);
    co_return make_response(bhttp::status::ok, "late", kTextPlain);
  });
  return r;
}

TEST(Client, SendsBodyAndReturnsStatusTypeAndBody) {
  testing::TestServer ts(router());
  ClientRequest req;
  req.method = verb::post;
  req.url = ts.url("/echo");
  req.body = R"({"a":1})";
  req.content_type = "application/json";
  auto r = send(req);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 201u);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(r->body, R"({"a":1})");
}

TEST(Client, RefusedConnectionIsUnavailableAndNamesTheAddress) {
  std::string url;
  {
    testing::TestServer ts(router());
    url = ts.url("/x");
  }  // stopped: the port is closed now
  auto r = get(url, milliseconds(2000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("cannot connect to 127.0.0.1:"), std::string::npos)
      << r.error().message;
}

TEST(Client, GivesUpAtItsDeadline) {
  testing::TestServer ts(router());
  auto start = std::chrono::steady_clock::now();
  auto r = get(ts.url("/stall"), milliseconds(200));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1200));
}

TEST(Client, RejectsBadUrlsAndHttpsWithoutTrustRoots) {
  auto bad = get("not a url");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  // https needs ClientRequest::tls.trust_pem (tests/unit/sigilctl/https_client_test.cpp).
  auto tls = get("https://127.0.0.1:1/");
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::http
