// The edge trust rule's building blocks: --trusted-proxies CIDR lists and the URL-encoded PEM
// of nginx's $ssl_client_escaped_cert.

#include "sts/routing/edge.hpp"

#include <gtest/gtest.h>

namespace sigil::sts::routing {
namespace {

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

TEST(TrustedProxies, CidrsContainTheirAddressesOnly) {
  auto nets = parse_cidrs("10.0.0.0/8, 192.168.1.7 ,fd00::/8");
  ASSERT_TRUE(nets) << nets.error().message;
  ASSERT_EQ(nets->size(), 3u);
  EXPECT_TRUE(contains(*nets, ip("10.1.2.3")));
  EXPECT_FALSE(contains(*nets, ip("11.0.0.1")));
  EXPECT_TRUE(contains(*nets, ip("192.168.1.7")));
  EXPECT_FALSE(contains(*nets, ip("192.168.1.8")));
  EXPECT_TRUE(contains(*nets, ip("fd12::1")));
  EXPECT_FALSE(contains(*nets, ip("fe80::1")));
  EXPECT_TRUE(contains(*nets, ip("::ffff:10.9.9.9")));  // IPv4-mapped counts as IPv4
  EXPECT_FALSE(contains(*nets, ip("127.0.0.1")));
  auto odd = parse_cidrs("127.0.0.1/31");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(contains(*odd, ip("127.0.0.0")));
  EXPECT_FALSE(contains(*odd, ip("127.0.0.2")));
  auto all = parse_cidrs("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(contains(*all, ip("8.8.8.8")));
  EXPECT_FALSE(contains(*all, ip("::1")));
}

TEST(TrustedProxies, EmptyListTrustsNobodyAndBadEntriesAreNamed) {
  auto none = parse_cidrs("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(contains(*none, ip("127.0.0.1")));
  for (const char* bad : {"10.0.0.0/33", "nonsense", "10.0.0.0/", "::1/129", "10.0.0.0/8,x"}) {
    auto r = parse_cidrs(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
  EXPECT_NE(parse_cidrs("10.0.0.0/8,x").error().message.find("'x'"), std::string::npos);
}

TEST(ForwardedCertificate, UrlDecodingOfEscapedPem) {
  EXPECT_EQ(url_decode("-----BEGIN%20CERTIFICATE-----%0AMIIB%2Bw%3D%3D%0A").value(),
            "-----BEGIN CERTIFICATE-----\nMIIB+w==\n");
  EXPECT_EQ(url_decode("plain").value(), "plain");
  EXPECT_FALSE(url_decode("%"));
  EXPECT_FALSE(url_decode("%4"));
  EXPECT_FALSE(url_decode("%zz"));
}

}  // namespace
}  // namespace sigil::sts::routing
