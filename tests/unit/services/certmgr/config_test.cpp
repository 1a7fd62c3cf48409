#include "certmgr/config.hpp"

#include <gtest/gtest.h>

namespace sigil::certmgr {
namespace {

TEST(CertmgrConfig, DefaultsAreTheInterfaceDefaults) {
  CertmgrConfig cfg;
  EXPECT_EQ(cfg.service.listen, "127.0.0.1:8444");
  EXPECT_EQ(cfg.service.metrics_listen, "127.0.0.1:9444");
  EXPECT_EQ(cfg.db_wait_s, 30);
  EXPECT_TRUE(validate(cfg));
}

TEST(CertmgrConfig, EnvironmentUsesTheCertmgrPrefix) {
  CertmgrConfig cfg;
  config::OptionSet options;
  bind_options(options, &cfg);
  std::vector<std::string> args;
  ASSERT_TRUE(options.load(args, {{"SIGIL_STS_METRICS_LISTEN", "127.0.0.1:1"},
                                  {"SIGIL_CERTMGR_METRICS_LISTEN", "127.0.0.1:2"},
                                  {"SIGIL_CERTMGR_DB_WAIT_S", "5"}}));
  EXPECT_EQ(cfg.service.metrics_listen, "127.0.0.1:2");
  EXPECT_EQ(cfg.db_wait_s, 5);
  std::vector<std::string> bad{"--db-wait-s", "-1"};
  EXPECT_FALSE(options.load(bad, {}));
}

}  // namespace
}  // namespace sigil::certmgr
