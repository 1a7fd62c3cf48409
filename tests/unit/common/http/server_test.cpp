// Routing, keep-alive, handler styles, error answers and the access log of Server.
#include "sigil/http/server.hpp"

#include <stdexcept>
#include <thread>

#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include "http_test_support.hpp"
#include "sigil/http/client.hpp"

namespace sigil::http {
namespace {

using bhttp::verb;
using testing::get_request;
using testing::RawConnection;
using testing::TestServer;

net::awaitable<Response> hello(Request&) {
  co_return make_response(bhttp::status::ok, "hi", kTextPlain);
}

Router demo_router() {
  Router r;
  r.add(verb::get, "/hello", hello);
  r.add(verb::post, "/hello", hello);
  r.add(verb::get, "/tenants/{tenant}/echo", [](Request& req) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, std::string(req.param("tenant")) + "|" + req.query,
                            kTextPlain);
  });
  r.add(verb::get, "/throw", [](Request&) -> net::awaitable<Response> {
    throw std::runtime_error("handler bug");
    co_return Response{};
  });
  r.add(
      verb::post, "/soap-throw",
      [](Request&) -> net::awaitable<Response> {
        throw std::runtime_error("handler bug");
        co_return Response{};
      },
      ErrorStyle::kSoap);
  r.add(verb::post, "/fault", [](Request& req) -> net::awaitable<Response> {
    co_return soap_fault(req, make_error(Errc::kAuthFailed, "", "user=alice"));
  });
  return r;
}

TEST(Server, RoutesByMethodAndPathAndPassesPathParameters) {
  TestServer ts(demo_router());
  auto r = get(ts.url("/hello"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(r->content_type, kTextPlain);
  auto echo = get(ts.url("/tenants/vsphere.local/echo?x=1"));
  ASSERT_TRUE(echo) << echo.error();
  EXPECT_EQ(echo->body, "vsphere.local|x=1");
}

TEST(Server, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  TestServer ts(demo_router());
  auto missing = get(ts.url("/nope"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404u);
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405u);
  EXPECT_EQ((*res)[bhttp::field::allow], "GET, POST");
}

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  TestServer ts(demo_router());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.write(get_request("/hello")));
    auto res = c.read_response();
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_TRUE(res->keep_alive());
  }
  EXPECT_EQ(ts.server().open_connections(), 1u);
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  TestServer ts(demo_router());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/hello") + get_request("/tenants/a/echo")));
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body(), "hi");
  EXPECT_EQ(second->body(), "a|");
}

TEST(Server, ConnectionCloseIsHonoured) {
  TestServer ts(demo_router());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/hello", "Connection: close\r\n")));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(std::chrono::seconds(2)));
}

TEST(Server, ThrowingHandlerGets500AndTheServerKeepsServing) {
  TestServer ts(demo_router());
  auto r = get(ts.url("/throw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500u);
  EXPECT_EQ(r->body.find("handler bug"), std::string::npos);  // never leak internals
  EXPECT_EQ(ts.observer().internal_errors(), 1);
  EXPECT_NE(ts.log_text().find("event=http.handler.exception"), std::string::npos);
  auto again = get(ts.url("/hello"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200u);
}

TEST(Server, ThrowingSoapHandlerGetsARequestFailedFault) {
  TestServer ts(demo_router());
  ClientRequest req;
  req.method = verb::post;
  req.url = ts.url("/soap-throw");
  auto r = send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500u);
  EXPECT_NE(r->body.find(">ns0:RequestFailed</faultcode>"), std::string::npos) << r->body;
}

TEST(Server, BlockingHandlersRunOnThePoolAndAsyncOnesOnAnIoThread) {
  std::atomic<int> async_on_io{-1};
  std::atomic<int> blocking_on_io{-1};
  Router r;
  IoRuntime* rt = nullptr;
  r.add(verb::get, "/async", [&](Request&) -> net::awaitable<Response> {
    async_on_io = rt->io().get_executor().running_in_this_thread() ? 1 : 0;
    co_return make_response(bhttp::status::ok, "a", kTextPlain);
  });
  r.add_blocking(verb::get, "/blocking", [&](Request&) {
    blocking_on_io = rt->io().get_executor().running_in_this_thread() ? 1 : 0;
    return make_response(bhttp::status::ok, "b", kTextPlain);
  });
  TestServer ts(std::move(r));
  rt = &ts.runtime();
  ASSERT_EQ(get(ts.url("/async"))->body, "a");
  ASSERT_EQ(get(ts.url("/blocking"))->body, "b");
  EXPECT_EQ(async_on_io.load(), 1);
  EXPECT_EQ(blocking_on_io.load(), 0);
}

TEST(Server, EveryRequestGetsOneAccessLineWithoutTheQuery) {
  TestServer ts(demo_router());
  ASSERT_TRUE(get(ts.url("/tenants/t1/echo?password=secret")));
  ASSERT_TRUE(get(ts.url("/nope")));
  std::string log = ts.log_with("path=/nope");
  EXPECT_NE(log.find("event=http.access listener=test method=GET path=/tenants/t1/echo "
                     "status=200 duration_ms="),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("path=/nope status=404"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos);
  auto seen = ts.observer().wait_for_requests(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].endpoint, "/tenants/{tenant}/echo");
  EXPECT_EQ(seen[0].bytes, std::string("t1|password=secret").size());
  EXPECT_EQ(seen[1].endpoint, "unmatched");
}

TEST(Server, SoapFaultIsLoggedWithItsCodeButNotItsDetail) {
  TestServer ts(demo_router());
  ClientRequest req;
  req.method = verb::post;
  req.url = ts.url("/fault");
  auto r = send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500u);
  EXPECT_EQ(r->body.find("alice"), std::string::npos);
  std::string log = ts.log_with("fault=");
  EXPECT_NE(log.find("status=500 fault=wst:FailedAuthentication"), std::string::npos) << log;
  EXPECT_EQ(log.find("alice"), std::string::npos);
}

TEST(Server, ListenReportsTheBoundPortAndLogsIt) {
  TestServer ts(demo_router());
  EXPECT_NE(ts.endpoint().port(), 0);
  EXPECT_EQ(ts.server().local_endpoint(), ts.endpoint());
  EXPECT_NE(ts.log_text().find("event=listener.started listener=test addr=127.0.0.1:" +
                               std::to_string(ts.endpoint().port())),
            std::string::npos);
}

TEST(Server, ListenOnABusyPortOrBadAddressFailsWithOneClearMessage) {
  TestServer ts(demo_router());
  IoRuntime rt(1, 1);
  log::Logger quiet(log::Format::kText, log::Level::kError, nullptr);
  Server other(rt, "other", {}, Router{}, quiet);
  std::string addr = "127.0.0.1:" + std::to_string(ts.endpoint().port());
  auto busy = other.listen(addr);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, Errc::kUnavailable);
  EXPECT_NE(busy.error().message.find("cannot listen on " + addr), std::string::npos);
  Server third(rt, "third", {}, Router{}, quiet);
  auto bad = third.listen("127.0.0.1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::http
