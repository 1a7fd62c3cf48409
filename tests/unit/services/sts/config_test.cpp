#include "sts/config.hpp"

#include <gtest/gtest.h>

namespace sigil::sts {
namespace {

TEST(StsConfig, DefaultsAreTheInterfaceDefaults) {
  StsConfig cfg;
  EXPECT_EQ(cfg.service.listen, "127.0.0.1:8443");
  EXPECT_EQ(cfg.service.metrics_listen, "127.0.0.1:9443");
  EXPECT_EQ(cfg.service.threads, 0);
  EXPECT_EQ(cfg.data.home, "./.sigil");
  EXPECT_EQ(cfg.log.format, "text");
  EXPECT_TRUE(validate(cfg));
}

TEST(StsConfig, EnvironmentUsesTheStsPrefixAndFlagsWin) {
  StsConfig cfg;
  config::OptionSet options;
  bind_options(options, &cfg);
  std::vector<std::string> args{"--listen", "0.0.0.0:443"};
  ASSERT_TRUE(options.load(args, {{"SIGIL_STS_LISTEN", "127.0.0.1:1"},
                                  {"SIGIL_CERTMGR_METRICS_LISTEN", "127.0.0.1:2"},
                                  {"SIGIL_DB", "dbname=sigil"}}));
  EXPECT_EQ(cfg.service.listen, "0.0.0.0:443");
  EXPECT_EQ(cfg.service.metrics_listen, "127.0.0.1:9443");
  EXPECT_EQ(cfg.data.db, "dbname=sigil");
}

TEST(StsConfig, BadListenAddressIsRejectedNamingTheFlag) {
  StsConfig cfg;
  cfg.service.listen = "8443";
  auto r = validate(cfg);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("--listen: ", 0), 0u);
}

TEST(StsConfig, EdgeFlagsAreCheckedTogether) {
  StsConfig cfg;
  EXPECT_TRUE(cfg.edge.upstream_listen.empty());  // edge mode is off by default
  cfg.edge.upstream_listen = "127.0.0.1:8080";
  auto alone = validate(cfg);
  ASSERT_FALSE(alone);
  EXPECT_NE(alone.error().message.find("--upstream-listen needs --trusted-proxies"),
            std::string::npos);
  cfg.edge.trusted_proxies = "10.0.0.0/8,192.168.0.1";
  EXPECT_TRUE(validate(cfg));
  cfg.edge.trusted_proxies = "10.0.0.0/40";
  EXPECT_FALSE(validate(cfg));
  cfg.edge.trusted_proxies = "10.0.0.0/8";
  cfg.edge.client_cert_header = "X-SSL-Client-Cert";
  EXPECT_TRUE(validate(cfg));
  cfg.edge.client_cert_header = "X SSL:Cert";
  EXPECT_FALSE(validate(cfg));
}

}  // namespace
}  // namespace sigil::sts
