#include "sigil/http/address.hpp"

#include <string>
#include <vector>

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

TEST(Address, AnIpv4MappedNetworkIsTheIpv4NetworkItMaps) {
  using boost::asio::ip::make_address;
  auto nets = parse_cidrs("::ffff:10.0.0.0/104");
  ASSERT_TRUE(nets);
  ASSERT_EQ(nets->size(), 1U);
  EXPECT_EQ((*nets)[0].network, make_address("10.0.0.0"));
  EXPECT_EQ((*nets)[0].prefix, 8U);
  EXPECT_TRUE(contains(*nets, make_address("10.1.2.3")));
  EXPECT_TRUE(contains(*nets, make_address("::ffff:10.1.2.3")));
  EXPECT_FALSE(contains(*nets, make_address("11.0.0.1")));
  EXPECT_FALSE(contains(*nets, make_address("::ffff:11.0.0.1")));
  EXPECT_FALSE(contains(*nets, make_address("::a01:203")));  // 10.1.2.3's bits, but not mapped
  auto host = parse_cidrs("::ffff:10.0.0.1");  // a single mapped address is a /32
  ASSERT_TRUE(host);
  EXPECT_EQ((*host)[0].prefix, 32U);
  EXPECT_TRUE(contains(*host, make_address("10.0.0.1")));
  EXPECT_FALSE(contains(*host, make_address("10.0.0.2")));
}

TEST(Address, AnIpv4MappedNetworkShorterThan96BitsIsRefusedNamingIt) {
  for (const char* bad : {"::ffff:10.0.0.0/64", "::ffff:10.0.0.0/95", "::ffff:0.0.0.0/0"}) {
    auto r = parse_cidrs(std::string("10.0.0.0/8, ") + bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("/96"), std::string::npos) << r.error().message;
  }
}

TEST(Address, AHandBuiltMappedNetworkOrOverlongPrefixNeverReadsPastTheAddress) {
  using boost::asio::ip::make_address;
  // Cidrs not from parse_cidrs: a mapped network with its IPv6 prefix, and an IPv4 /128.
  const std::vector<Cidr> mapped{{make_address("::ffff:10.0.0.0"), 104}};
  EXPECT_TRUE(contains(mapped, make_address("10.1.2.3")));
  EXPECT_FALSE(contains(mapped, make_address("11.0.0.1")));
  const std::vector<Cidr> overlong{{make_address("10.0.0.1"), 128}};
  EXPECT_FALSE(contains(overlong, make_address("10.0.0.1")));
  const std::vector<Cidr> short_mapped{{make_address("::ffff:10.0.0.0"), 64}};
  EXPECT_FALSE(contains(short_mapped, make_address("10.0.0.1")));
}

TEST(Address, ClientKeysCountIpv4ByAddressAndIpv6ByItsSlash64AndSlash56) {
  using boost::asio::ip::make_address;
  const ClientKeys v4 = client_keys(make_address("10.1.2.3"));
  EXPECT_EQ(v4.address, "10.1.2.3");
  EXPECT_EQ(v4.site, "");
  const ClientKeys mapped = client_keys(make_address("::ffff:10.1.2.3"));
  EXPECT_EQ(mapped.address, "10.1.2.3");
  EXPECT_EQ(mapped.site, "");
  const ClientKeys v6 = client_keys(make_address("2001:db8:0:1a::7"));
  EXPECT_EQ(v6.address, "2001:db8:0:1a::/64");
  EXPECT_EQ(v6.site, "2001:db8::/56");
  // Sixteen /64s of one /60, as in a flood from one customer: sixteen addresses, one site.
  const ClientKeys other = client_keys(make_address("2001:db8:0:1f:ffff::1"));
  EXPECT_NE(other.address, v6.address);
  EXPECT_EQ(other.site, v6.site);
  EXPECT_NE(client_keys(make_address("2001:db8:0:100::1")).site, v6.site);  // the next /56
}

}  // namespace
}  // namespace sigil::http
