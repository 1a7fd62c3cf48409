#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "sigil/base/config.hpp"

namespace sigil::config {
namespace {

struct TestConfig {
  std::string db = "host=default";
  std::string password;
  std::int64_t threads = 4;
  bool verbose = false;
  std::string format = "text";
};

OptionSet bind(TestConfig& c) {
  OptionSet s;
  s.add_string({"db", "--db", "SIGIL_DB", "CONNINFO", "database"}, &c.db);
  s.add_string({"secret.password", "--password", "SIGIL_PASSWORD", "PW", "pw", true}, &c.password);
  s.add_int({"threads", "--threads", "SIGIL_THREADS", "N", "threads"}, &c.threads, 0, 64);
  s.add_bool({"verbose", "--verbose", "", "", "chatty"}, &c.verbose);
  s.add_choice({"log.format", "--log-format", "SIGIL_LOG_FORMAT", "text|json", "fmt"}, &c.format,
               {"text", "json"});
  return s;
}

std::string write_temp(const std::string& content) {
  char path[] = "/tmp/sigil-config-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << content;
  return path;
}

TEST(Config, DefaultsApplyWhenNothingIsGiven) {
  TestConfig c;
  auto s = bind(c);
  auto r = s.load({}, {});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(c.db, "host=default");
  EXPECT_EQ(c.threads, 4);
}

TEST(Config, PrecedenceIsDefaultsThenFileThenEnvironmentThenFlags) {
  std::string file = write_temp(R"({"db":"host=file","threads":8,"log":{"format":"json"}})");
  TestConfig c;
  auto s = bind(c);
  Environment env{{"SIGIL_DB", "host=env"}, {"SIGIL_THREADS", "16"}};
  std::vector<std::string> args{"--config", file, "--threads=32"};
  auto r = s.load(args, env);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(c.format, "json");     // file only
  EXPECT_EQ(c.db, "host=env");     // env beats file
  EXPECT_EQ(c.threads, 32);        // flag beats env
  EXPECT_EQ(r->config_file, file);
  std::remove(file.c_str());
}

TEST(Config, ConfigFileCanComeFromTheEnvironment) {
  std::string file = write_temp(R"({"verbose":true})");
  TestConfig c;
  auto s = bind(c);
  ASSERT_TRUE(s.load({}, {{"SIGIL_CONFIG", file}}));
  EXPECT_TRUE(c.verbose);
  std::remove(file.c_str());
}

TEST(Config, PositionalsAndMetaFlagsAreReported) {
  TestConfig c;
  auto s = bind(c);
  std::vector<std::string> args{"migrate", "--verbose", "--help", "--version", "--print-config",
                                "--", "--not-a-flag"};
  auto r = s.load(args, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->positionals, (std::vector<std::string>{"migrate", "--not-a-flag"}));
  EXPECT_TRUE(r->help && r->version && r->print_config && c.verbose);
}

TEST(Config, UnknownFlagsAndKeysAndBadValuesAreErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string file;
    Environment env;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{"--nope"}, "", {}, "unknown flag --nope"},
      {{"--threads"}, "", {}, "needs a value"},
      {{"--threads=abc"}, "", {}, "expected an integer"},
      {{"--threads=65"}, "", {}, "between 0 and 64"},
      {{}, "", {{"SIGIL_THREADS", "-1"}}, "from SIGIL_THREADS"},
      {{"--log-format=xml"}, "", {}, "must be one of text, json"},
      {{"--verbose=maybe"}, "", {}, "expected true or false"},
      {{}, R"({"unknown":1})", {}, "unknown config key 'unknown'"},
      {{}, R"({"threads":[1]})", {}, "must be a string"},
      {{}, R"(not json)", {}, "not a JSON object"},
  };
  for (const auto& tc : cases) {
    TestConfig c;
    auto s = bind(c);
    std::vector<std::string> args = tc.args;
    std::string file;
    if (!tc.file.empty()) {
      file = write_temp(tc.file);
      args.push_back("--config=" + file);
    }
    auto r = s.load(args, tc.env);
    ASSERT_FALSE(r) << tc.expect;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(tc.expect), std::string::npos) << r.error().message;
    if (!file.empty()) std::remove(file.c_str());
  }
}

TEST(Config, ListFlagsAppendAndReplaceLowerSources) {
  std::vector<std::string> groups{"default"};
  OptionSet s;
  s.add_string_list({"groups", "--group", "SIGIL_GROUPS", "G", "groups"}, &groups);
  ASSERT_TRUE(s.load(std::vector<std::string>{}, {{"SIGIL_GROUPS", "a,b"}}));
  EXPECT_EQ(groups, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(s.load(std::vector<std::string>{"--group", "x", "--group=y"}, {{"SIGIL_GROUPS", "a"}}));
  EXPECT_EQ(groups, (std::vector<std::string>{"x", "y"}));
}

TEST(Config, MissingConfigFileIsAnError) {
  TestConfig c;
  auto s = bind(c);
  auto r = s.load(std::vector<std::string>{"--config", "/nonexistent/sigil.json"}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot read config file"), std::string::npos);
}

TEST(Config, HelpListsEveryKeyAndPrintConfigRedactsSecrets) {
  TestConfig c;
  auto s = bind(c);
  ASSERT_TRUE(s.load(std::vector<std::string>{"--password", "hunter2"}, {}));
  std::string help = s.help();
  for (const char* k : {"--db", "SIGIL_DB", "--password", "--threads", "--verbose",
                        "--log-format", "\"log.format\""}) {
    EXPECT_NE(help.find(k), std::string::npos) << k;
  }
  std::string json = s.to_json();
  EXPECT_EQ(json.find("hunter2"), std::string::npos);
  EXPECT_NE(json.find("(redacted)"), std::string::npos);
  EXPECT_NE(json.find("host=default"), std::string::npos);
}

}  // namespace
}  // namespace sigil::config
