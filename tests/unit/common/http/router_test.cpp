#include "sigil/http/router.hpp"

#include <gtest/gtest.h>

namespace sigil::http {
namespace {

using bhttp::verb;

net::awaitable<Response> nothing(Request&) { co_return Response{}; }

Router sts_like() {
  Router r;
  r.add(verb::post, "/sts/STSService", nothing);
  r.add(verb::post, "/sts/STSService/{tenant}", nothing);
  r.add(verb::post, "/api/v1/tenants/{tenant}/tokens", nothing);
  r.add(verb::post, "/api/v1/tenants/{tenant}/tokens/validate", nothing);
  r.add(verb::get, "/api/v1/tenants/{tenant}/signing-certs", nothing);
  r.add(verb::get, "/api/v1/tenants/{tenant}/signing-certs.pem", nothing);
  r.add(verb::get, "/api/v1/tenants/special/signing-certs", nothing);
  r.add_blocking(verb::get, "/healthz", [](Request&) { return Response{}; });
  return r;
}

TEST(Router, MatchesExactAndParameterisedPatterns) {
  Router r = sts_like();
  auto m = r.match(verb::post, "/sts/STSService/vsphere.local");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/sts/STSService/{tenant}");
  EXPECT_EQ(m.params.at("tenant"), "vsphere.local");
  EXPECT_EQ(r.match(verb::post, "/sts/STSService").route->pattern, "/sts/STSService");
  auto v = r.match(verb::post, "/api/v1/tenants/t1/tokens/validate");
  ASSERT_EQ(v.outcome, Router::Outcome::kFound);
  EXPECT_EQ(v.route->pattern, "/api/v1/tenants/{tenant}/tokens/validate");
  EXPECT_EQ(r.match(verb::get, "/api/v1/tenants/t/signing-certs.pem").route->pattern,
            "/api/v1/tenants/{tenant}/signing-certs.pem");
  auto h = r.match(verb::get, "/healthz");
  ASSERT_EQ(h.outcome, Router::Outcome::kFound);
  EXPECT_TRUE(h.route->blocking != nullptr);
  EXPECT_TRUE(h.route->async == nullptr);
}

TEST(Router, ListsEveryRouteInTheOrderAdded) {
  Router r = sts_like();
  ASSERT_EQ(r.routes().size(), 8u);
  EXPECT_EQ(r.routes().front().method, verb::post);
  EXPECT_EQ(r.routes().front().pattern, "/sts/STSService");
  EXPECT_EQ(r.routes().back().method, verb::get);
  EXPECT_EQ(r.routes().back().pattern, "/healthz");
}

TEST(Router, MoreLiteralSegmentsWin) {
  Router r = sts_like();
  EXPECT_EQ(r.match(verb::get, "/api/v1/tenants/special/signing-certs").route->pattern,
            "/api/v1/tenants/special/signing-certs");
  EXPECT_EQ(r.match(verb::get, "/api/v1/tenants/other/signing-certs").route->pattern,
            "/api/v1/tenants/{tenant}/signing-certs");
}

TEST(Router, UnknownPathsAreNotFound) {
  Router r = sts_like();
  for (const char* p : {"/", "", "/sts", "/sts/STSService/", "/sts/STSService/a/b", "/healthz/",
                        "/HEALTHZ", "/api/v1/tenants//tokens", "healthz"}) {
    EXPECT_EQ(r.match(verb::post, p).outcome, Router::Outcome::kNotFound) << p;
  }
}

TEST(Router, OtherMethodsOnAKnownPathAreMethodNotAllowedWithAllow) {
  Router r = sts_like();
  auto m = r.match(verb::get, "/sts/STSService/x");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_EQ(r.match(verb::delete_, "/healthz").allow, "GET");
}

TEST(RouterDeathTest, DuplicateRoutesAbort) {
  EXPECT_DEATH(
      {
        Router r;
        r.add(verb::get, "/a/{x}", nothing);
        r.add(verb::get, "/a/{x}", nothing);
      },
      "pattern");
}

}  // namespace
}  // namespace sigil::http
