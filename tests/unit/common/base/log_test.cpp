#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>

#include "sigil/base/log.hpp"

namespace sigil::log {
namespace {

using namespace std::chrono;

const ManualClock kClock(sys_days{year{2026} / 1 / 2} + hours{10});

TEST(Log, TextIsOneLogfmtLineWithFixedKeysFirst) {
  Logger l(Format::kText, Level::kInfo, nullptr, &kClock);
  std::string line = l.format(Level::kInfo, "token.issued",
                              {{"tenant", "vsphere.local"}, {"lifetime_s", 300}, {"ok", true}});
  EXPECT_EQ(line,
            "ts=2026-01-02T10:00:00.000Z level=info event=token.issued tenant=vsphere.local "
            "lifetime_s=300 ok=true\n");
}

TEST(Log, TextQuotesAndEscapesValuesSoAnEventStaysOnOneLine) {
  Logger l(Format::kText, Level::kInfo, nullptr, &kClock);
  std::string line = l.format(Level::kWarn, "x", {{"msg", "a \"b\"\nc=d"}, {"empty", ""}});
  EXPECT_NE(line.find(R"(msg="a \"b\"\nc=d")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"(empty="")"), std::string::npos);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(Log, JsonIsOneParseableObjectPerLine) {
  Logger l(Format::kJson, Level::kInfo, nullptr, &kClock);
  std::string line = l.format(Level::kError, "db.down", {{"detail", "quote\" ctrl\x01"}});
  ASSERT_EQ(line.back(), '\n');
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  EXPECT_EQ(v.at("level").as_string(), "error");
  EXPECT_EQ(v.at("event").as_string(), "db.down");
  EXPECT_EQ(v.at("detail").as_string(), "quote\" ctrl\x01");
}

TEST(Log, LevelsBelowTheMinimumAreDropped) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  Logger l(Format::kText, Level::kWarn, f, &kClock);
  l.info("hidden");
  l.warn("shown");
  std::rewind(f);
  char buf[256] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string out(buf, n);
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("event=shown"), std::string::npos);
}

TEST(Log, ParsesLevelsAndFormats) {
  EXPECT_EQ(*parse_level("debug"), Level::kDebug);
  EXPECT_EQ(*parse_format("json"), Format::kJson);
  EXPECT_FALSE(parse_level("loud"));
  EXPECT_FALSE(parse_format("xml"));
}

}  // namespace
}  // namespace sigil::log
