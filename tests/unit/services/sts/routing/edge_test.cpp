// The edge trust rule's building blocks: --trusted-proxies CIDR lists and the URL-encoded PEM
// of nginx's $ssl_client_escaped_cert; the client address a trusted proxy forwards
// (--client-address-header), which password throttling and lockout count.

#include "sts/routing/edge.hpp"

#include <gtest/gtest.h>

#include "sigil/metrics/registry.hpp"
#include "sigil/testing/captured_log.hpp"

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

class ForwardedAddress : public ::testing::Test {
 protected:
  ForwardedAddress() : edge_(options(), log_.logger(), registry_) {}
  static EdgeOptions options() {
    EdgeOptions o;
    o.trusted_proxies = parse_cidrs("10.0.0.0/24").value();
    o.client_address_header = "X-Forwarded-For";
    return o;
  }
  // Applies the rule to a request from `peer` with `value` (if any) in X-Forwarded-For; the
  // resulting remote_address, or nullopt when the request was refused.
  std::optional<boost::asio::ip::address> client(const char* peer, const char* value) {
    http::Request r;
    r.remote_address = ip(peer);
    if (value != nullptr) r.message.set("X-Forwarded-For", value);
    http::Router::Route route;
    route.errors = http::ErrorStyle::kJson;
    if (edge_.apply(r, route)) return std::nullopt;
    return r.remote_address;
  }

  sigil::testing::CapturedLog log_;
  metrics::Registry registry_;
  EdgeTrust edge_;
};

TEST_F(ForwardedAddress, TrustedProxysLastEntryBecomesTheClientAddress) {
  EXPECT_EQ(client("10.0.0.5", "192.0.2.7"), ip("192.0.2.7"));
  EXPECT_EQ(client("10.0.0.5", "198.51.100.1, 192.0.2.7"), ip("192.0.2.7"))
      << "the entry our proxy appended, not what the client wrote";
  EXPECT_EQ(client("10.0.0.5", " 2001:db8::1 "), ip("2001:db8::1"));
  EXPECT_EQ(client("10.0.0.5", nullptr), ip("10.0.0.5"));
}

TEST_F(ForwardedAddress, HeaderFromAnyoneElseIsIgnored) {
  EXPECT_EQ(client("192.0.2.99", "10.9.9.9"), ip("192.0.2.99"));
}

TEST_F(ForwardedAddress, TrustedProxysValueThatIsNoAddressIsRefused) {
  EXPECT_FALSE(client("10.0.0.5", "unknown").has_value());
  EXPECT_FALSE(client("10.0.0.5", "192.0.2.7, ").has_value());
}

}  // namespace
}  // namespace sigil::sts::routing
