#include "sigil/service/common_config.hpp"

#include <gtest/gtest.h>

namespace sigil::service {
namespace {

TEST(CommonConfig, ServiceSettingsReadTheirOwnBinarysEnvironment) {
  ServiceConfig cfg{.listen = "127.0.0.1:8443", .metrics_listen = "127.0.0.1:9443"};
  config::OptionSet options;
  bind_service_options(options, &cfg, "SIGIL_STS_");
  config::Environment env{{"SIGIL_STS_METRICS_LISTEN", "127.0.0.1:1"},
                          {"SIGIL_CERTMGR_METRICS_LISTEN", "127.0.0.1:2"},
                          {"SIGIL_STS_THREADS", "3"}};
  std::vector<std::string> args;
  ASSERT_TRUE(options.load(args, env));
  EXPECT_EQ(cfg.metrics_listen, "127.0.0.1:1");
  EXPECT_EQ(cfg.threads, 3);
  EXPECT_EQ(cfg.listen, "127.0.0.1:8443");
}

TEST(CommonConfig, FlagsBeatTheEnvironment) {
  DataConfig cfg;
  config::OptionSet options;
  bind_data_options(options, &cfg);
  std::vector<std::string> args{"--db", "dbname=flag"};
  ASSERT_TRUE(options.load(args, {{"SIGIL_DB", "dbname=env"}, {"SIGIL_HOME", "/h"}}));
  EXPECT_EQ(cfg.db, "dbname=flag");
  EXPECT_EQ(cfg.home, "/h");
}

TEST(CommonConfig, InterfaceNamesAreBoundAndTheDatabaseIsSecret) {
  LogConfig log;
  DataConfig data;
  config::OptionSet options;
  bind_data_options(options, &data);
  bind_log_options(options, &log);
  std::string help = options.help();
  for (const char* name :
       {"--db", "SIGIL_DB", "--home", "SIGIL_HOME", "--master-key-file", "SIGIL_MASTER_KEY_FILE",
        "--log-format", "SIGIL_LOG_FORMAT", "--log-level", "./.sigil"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
  data.db = "host=x password=secret";
  EXPECT_EQ(options.to_json().find("secret"), std::string::npos);
}

TEST(CommonConfig, LogFormatIsTextOrJsonOnly) {
  LogConfig log;
  config::OptionSet options;
  bind_log_options(options, &log);
  std::vector<std::string> args{"--log-format", "xml"};
  auto r = options.load(args, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--log-format"), std::string::npos);
  EXPECT_FALSE(make_logger({"xml", "info"}));
  EXPECT_TRUE(make_logger({"json", "debug"}));
}

TEST(CommonConfig, ValidateNamesTheBadAddress) {
  ServiceConfig cfg{.listen = "127.0.0.1:8443", .metrics_listen = "nope"};
  auto r = validate(cfg);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message.rfind("--metrics-listen: ", 0), 0u);
  cfg.metrics_listen = "127.0.0.1:0";
  EXPECT_TRUE(validate(cfg));
}

}  // namespace
}  // namespace sigil::service
