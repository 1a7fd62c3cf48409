// check_pass_time (certmgr/app.hpp): a real scheduler pass at another time than now is a
// testing tool, allowed only with --allow-time-travel.

#include <gtest/gtest.h>

#include "certmgr/app.hpp"
#include "certmgr/config.hpp"

namespace sigil::certmgr {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));

TEST(PassTime, TimeTravelIsOffByDefaultAndAFlagTurnsItOn) {
  CertmgrConfig cfg;
  EXPECT_FALSE(cfg.allow_time_travel);
  config::OptionSet options;
  bind_options(options, &cfg);
  std::vector<std::string> args{"--allow-time-travel"};
  ASSERT_TRUE(options.load(args, {}));
  EXPECT_TRUE(cfg.allow_time_travel);
  CertmgrConfig from_env;
  config::OptionSet env_options;
  bind_options(env_options, &from_env);
  std::vector<std::string> none;
  ASSERT_TRUE(env_options.load(none, {{"SIGIL_CERTMGR_ALLOW_TIME_TRAVEL", "true"}}));
  EXPECT_TRUE(from_env.allow_time_travel);
}

TEST(PassTime, ARealPassWithinFiveMinutesOfNowRuns) {
  CertmgrConfig cfg;
  EXPECT_TRUE(check_pass_time(cfg, kNow, kNow, false));
  EXPECT_TRUE(check_pass_time(cfg, kNow + 5min, kNow, false));
  EXPECT_TRUE(check_pass_time(cfg, kNow - 5min, kNow, false));
}

TEST(PassTime, ARealPassAtAnotherTimeIsRefusedNamingTheSetting) {
  CertmgrConfig cfg;
  for (TimePoint at : {kNow + 5min + 1s, kNow - 5min - 1s, kNow + 24h * 3650}) {
    auto r = check_pass_time(cfg, at, kNow, false);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidTimeRange);
    EXPECT_NE(r.error().message.find("--allow-time-travel"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("nothing changed"), std::string::npos);
  }
}

TEST(PassTime, DryRunsAndTheSettingAllowAnyTime) {
  CertmgrConfig cfg;
  EXPECT_TRUE(check_pass_time(cfg, kNow + 24h * 3650, kNow, true));
  cfg.allow_time_travel = true;
  EXPECT_TRUE(check_pass_time(cfg, kNow + 24h * 3650, kNow, false));
  EXPECT_TRUE(check_pass_time(cfg, kNow - 24h * 365, kNow, false));
}

}  // namespace
}  // namespace sigil::certmgr
