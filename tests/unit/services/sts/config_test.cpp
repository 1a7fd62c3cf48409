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

}  // namespace
}  // namespace sigil::sts
