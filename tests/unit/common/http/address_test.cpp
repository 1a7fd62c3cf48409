#include "sigil/http/address.hpp"

#include <gtest/gtest.h>

namespace sigil::http {
namespace {

TEST(Address, ParsesHostPortIncludingPortZeroAndIpv6) {
  auto a = parse_host_port("127.0.0.1:8443");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8443);
  auto zero = parse_host_port("localhost:0");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->port, 0);
  auto v6 = parse_host_port("[::1]:9443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9443);
}

TEST(Address, RejectsMalformedAddressesNamingTheInput) {
  for (const char* bad : {"", "127.0.0.1", ":80", "host:", "host:65536", "host:-1", "host:8x",
                          "::1:80", "[::1]", "[::1]80", "a:b:c"}) {
    auto r = parse_host_port(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

TEST(Address, FormatsEndpoints) {
  using boost::asio::ip::make_address;
  using boost::asio::ip::tcp;
  EXPECT_EQ(format_endpoint(tcp::endpoint(make_address("127.0.0.1"), 9443)), "127.0.0.1:9443");
  EXPECT_EQ(format_endpoint(tcp::endpoint(make_address("::1"), 1)), "[::1]:1");
}

TEST(Address, ParsesUrlsWithDefaultPorts) {
  auto u = parse_url("http://127.0.0.1:9443/healthz?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host_port.host, "127.0.0.1");
  EXPECT_EQ(u->host_port.port, 9443);
  EXPECT_EQ(u->target, "/healthz?x=1");
  auto d = parse_url("https://sigil.example");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host_port.port, 443);
  EXPECT_EQ(d->target, "/");
  auto v6 = parse_url("http://[::1]/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host_port.host, "::1");
  EXPECT_EQ(v6->host_port.port, 80);
  EXPECT_FALSE(parse_url("ftp://x/"));
  EXPECT_FALSE(parse_url("127.0.0.1:9443"));
  EXPECT_FALSE(parse_url("http://:80/"));
}

}  // namespace
}  // namespace sigil::http
