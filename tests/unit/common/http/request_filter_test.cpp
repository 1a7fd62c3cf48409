// What common/http gives the tenant routing of sts: the TLS SNI name on every request of a
// connection, a request filter that runs between routing and the handler (and may answer or
// fill in parameters), and the 421 Misdirected Request answer in each route style.
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http_test_support.hpp"
#include "tls_test_support.hpp"

#include "sigil/http/server.hpp"

namespace sigil::http {
namespace {

using bhttp::verb;
using testing::client_context;
using testing::get_request;
using testing::make_identity;
using testing::RawConnection;
using testing::TestServer;
using testing::tls_options;
using testing::TlsConnection;

// GET /sni -> the SNI name; GET /t and /t/{tenant} -> the tenant parameter.
Router echo_router() {
  Router r;
  r.add(verb::get, "/sni", [](Request& req) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, "sni=" + req.server_name, kTextPlain);
  });
  for (const char* pattern : {"/t", "/t/{tenant}"}) {
    r.add(
        verb::get, pattern,
        [](Request& req) -> net::awaitable<Response> {
          co_return make_response(bhttp::status::ok, "tenant=" + std::string(req.param("tenant")),
                                  kTextPlain);
        },
        ErrorStyle::kJson);
  }
  return r;
}

TEST(RequestFilter, SniNameReachesEveryRequestOfTheConnection) {
  auto id = make_identity("sts.test");
  TestServer ts(echo_router(), {}, tls_options(id));
  auto ctx = client_context(&id);
  TlsConnection c(ts.endpoint(), ctx.get(), "A.Tokens.Example.Test");
  ASSERT_TRUE(c.handshake_ok()) << c.error();
  for (int i = 0; i < 2; ++i) {
    auto res = c.get("/sni");
    ASSERT_TRUE(res) << c.error();
    EXPECT_EQ(res->body(), "sni=A.Tokens.Example.Test");  // as sent; the service normalises
  }
  TlsConnection none(ts.endpoint(), ctx.get());
  ASSERT_TRUE(none.handshake_ok()) << none.error();
  auto res = none.get("/sni");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "sni=");
}

TEST(RequestFilter, FilterFillsParametersOrAnswersBeforeTheHandler) {
  Router r = echo_router();
  r.set_filter([](Request& req, const Router::Route& route) -> std::optional<Response> {
    if (req.message[bhttp::field::host] == "refuse") {
      return misdirected_request(req, route.errors, "not here");
    }
    if (route.pattern == "/t") req.params["tenant"] = "from-filter";
    return std::nullopt;
  });
  TestServer ts(std::move(r));
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.write(get_request("/t")));
  auto filled = c.read_response();
  ASSERT_TRUE(filled);
  EXPECT_EQ(filled->body(), "tenant=from-filter");
  ASSERT_TRUE(c.write(get_request("/t/acme")));
  auto own = c.read_response();
  ASSERT_TRUE(own);
  EXPECT_EQ(own->body(), "tenant=acme");
  ASSERT_TRUE(c.write("GET /t/acme HTTP/1.1\r\nHost: refuse\r\n\r\n"));
  auto refused = c.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 421u);
  EXPECT_EQ(refused->body(), R"({"error":"misdirected_request","message":"not here"})");
  EXPECT_EQ((*refused)[bhttp::field::content_type], kJson);
  auto seen = ts.observer().wait_for_requests(3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].fault, "misdirected_request");
  EXPECT_EQ(seen[2].endpoint, "/t/{tenant}");
}

TEST(RequestFilter, MisdirectedIsASoapFaultWithHttp500OnSoapRoutes) {
  Request req;
  Response soap = misdirected_request(req, ErrorStyle::kSoap, "wrong host & tenant");
  EXPECT_EQ(soap.result_int(), 500u);
  EXPECT_NE(soap.body().find(">ns0:InvalidRequest</faultcode><faultstring>wrong host &amp; "
                             "tenant</faultstring>"),
            std::string::npos)
      << soap.body();
  EXPECT_EQ(req.fault, "wst:InvalidRequest");
  Response text = misdirected_request(req, ErrorStyle::kText, "wrong host");
  EXPECT_EQ(text.result_int(), 421u);
  EXPECT_EQ(text.body(), "wrong host\n");
  Response not_found = error_response(req, ErrorStyle::kJson, make_error(Errc::kNotFound, "none"));
  EXPECT_EQ(not_found.result_int(), 404u);
  EXPECT_EQ(req.fault, "not_found");
}

}  // namespace
}  // namespace sigil::http
