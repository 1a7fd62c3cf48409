// Hostname normalisation (tenant hostnames as stored, SNI and Host as looked up) and the
// routing rules of routing/tenant_router.hpp, without a server.

#include "sts/routing/tenant_router.hpp"

#include <gtest/gtest.h>

#include "sigil/db/tenant_store.hpp"

namespace sigil::sts::routing {
namespace {

using Kind = RoutingDecision::Kind;

TEST(TenantHostname, IsLowerCasedWithoutTrailingDot) {
  EXPECT_EQ(db::normalize_tenant_hostname("STS.Acme.Example.COM").value(), "sts.acme.example.com");
  EXPECT_EQ(db::normalize_tenant_hostname("sts.acme.example.com.").value(), "sts.acme.example.com");
  EXPECT_EQ(db::normalize_tenant_hostname("a-1.b2").value(), "a-1.b2");
  EXPECT_EQ(db::normalize_tenant_hostname("localhost").value(), "localhost");
}

TEST(TenantHostname, RefusesWhatIsNotOneDnsName) {
  for (const char* bad : {"", ".", "*.example.com", "*", "a..b", ".a.b", "a.b..", "-a.b", "a-.b",
                          "a_b.example", "a b", "bad_name!", "a.b/c", "a.b:443", "[::1]"}) {
    auto r = db::normalize_tenant_hostname(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message.find("the hostname '" + std::string(bad) + "'"), std::string::npos)
        << r.error().message;
  }
  auto wildcard = db::normalize_tenant_hostname("*.tokens.example.com");
  ASSERT_FALSE(wildcard);
  EXPECT_NE(wildcard.error().message.find("wildcard"), std::string::npos);
  EXPECT_FALSE(db::normalize_tenant_hostname(std::string(64, 'a') + ".example"));
  EXPECT_TRUE(db::normalize_tenant_hostname(std::string(63, 'a') + ".example"));
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefg.";
  EXPECT_FALSE(db::normalize_tenant_hostname(long_name + "com"));
}

TEST(HostHeader, PortDroppedLowerCasedTrailingDotDropped) {
  EXPECT_EQ(host_of("A.Tokens.Example.com:8443"), "a.tokens.example.com");
  EXPECT_EQ(host_of("a.tokens.example.com."), "a.tokens.example.com");
  EXPECT_EQ(host_of("a.tokens.example.com.:443"), "a.tokens.example.com");
  EXPECT_EQ(host_of("127.0.0.1:8443"), "127.0.0.1");
  EXPECT_EQ(host_of("[::1]:8443"), "[::1]");
  EXPECT_EQ(host_of(""), "");
  EXPECT_EQ(normalize_name("X.Example.TEST."), "x.example.test");
}

RoutingInput input(std::string_view path_tenant, std::string_view sni_tenant,
                   std::string_view host_tenant) {
  RoutingInput in;
  in.path_tenant = path_tenant;
  in.sni = sni_tenant.empty() ? "" : "sni.example";
  in.sni_tenant = sni_tenant;
  in.host = host_tenant.empty() ? "" : "host.example";
  in.host_tenant = host_tenant;
  return in;
}

TEST(TenantRouting, PathTenantServedWhenNoNameContradictsIt) {
  auto d = decide(input("acme", "", ""));
  EXPECT_EQ(d.kind, Kind::kServe);
  EXPECT_EQ(d.tenant, "acme");
  EXPECT_EQ(decide(input("acme", "acme", "")).kind, Kind::kServe);
  EXPECT_EQ(decide(input("acme", "", "acme")).kind, Kind::kServe);
  EXPECT_EQ(decide(input("ACME", "acme", "Acme")).kind, Kind::kServe);  // names ignore case
}

TEST(TenantRouting, PathNamingAnotherTenantThanSniOrHostIsMisdirected) {
  auto by_host = decide(input("acme", "", "other"));
  EXPECT_EQ(by_host.kind, Kind::kMisdirected);
  EXPECT_EQ(by_host.reason, "path_mismatch");
  EXPECT_NE(by_host.message.find("belongs to tenant other"), std::string::npos) << by_host.message;
  auto by_sni = decide(input("acme", "other", ""));
  EXPECT_EQ(by_sni.kind, Kind::kMisdirected);
  EXPECT_NE(by_sni.message.find("TLS server name sni.example"), std::string::npos);
}

TEST(TenantRouting, SniAndHostOfDifferentTenantsAreMisdirected) {
  for (std::string_view path : {"", "a", "b"}) {
    auto d = decide(input(path, "a", "b"));
    EXPECT_EQ(d.kind, Kind::kMisdirected) << path;
    EXPECT_EQ(d.reason, "sni_host_mismatch") << path;
  }
}

TEST(TenantRouting, TenantLessPathGetsTheSniOrHostTenantOrNone) {
  auto d = decide(input("", "a", ""));
  EXPECT_EQ(d.kind, Kind::kServe);
  EXPECT_EQ(d.tenant, "a");
  d = decide(input("", "", "b"));
  EXPECT_EQ(d.kind, Kind::kServe);
  EXPECT_EQ(d.tenant, "b");
  d = decide(input("", "a", "a"));
  EXPECT_EQ(d.tenant, "a");
  EXPECT_EQ(decide(input("", "", "")).kind, Kind::kNoTenant);
}

}  // namespace
}  // namespace sigil::sts::routing
