#include <gtest/gtest.h>

#include "sigil/base/time_format.hpp"

namespace sigil {
namespace {

using namespace std::chrono;

TEST(TimeFormat, EmitsExactlyThreeFractionalDigitsAndZ) {
  TimePoint t = sys_days{year{2026} / 1 / 2} + hours{10} + minutes{5} + seconds{7} +
                microseconds{123999};
  EXPECT_EQ(format_time_ms(t), "2026-01-02T10:05:07.123Z");
  EXPECT_EQ(format_rfc3339(t), "2026-01-02T10:05:07Z");
}

TEST(TimeFormat, ParsesZuluOffsetsAndFractions) {
  TimePoint expected = sys_days{year{2026} / 1 / 2} + hours{10};
  EXPECT_EQ(*parse_time("2026-01-02T10:00:00Z"), expected);
  EXPECT_EQ(*parse_time("2026-01-02T10:00:00.000Z"), expected);
  EXPECT_EQ(*parse_time("2026-01-02T12:30:00+02:30"), expected);
  EXPECT_EQ(*parse_time("2026-01-02T09:00:00-01:00"), expected);
  EXPECT_EQ(*parse_time("2026-01-02T10:00:00.5Z"), expected + milliseconds{500});
}

TEST(TimeFormat, RoundTrips) {
  TimePoint t = sys_days{year{2031} / 12 / 31} + hours{23} + minutes{59} + seconds{59} +
                milliseconds{999};
  EXPECT_EQ(*parse_time(format_time_ms(t)), t);
}

TEST(TimeFormat, RefusesZonelessAndMalformedTimes) {
  for (const char* s : {"2026-01-02T10:00:00", "2026-01-02 10:00:00Z", "2026-13-02T10:00:00Z",
                        "2026-02-30T10:00:00Z", "2026-01-02T10:00:00.Z", "2026-01-02T10:00:00ZZ",
                        "", "yesterday", "2026-01-02T10:00:00+0200", "2026-01-02T24:00:00Z"}) {
    auto r = parse_time(s);
    EXPECT_FALSE(r) << s;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
    }
  }
}

TEST(TimeFormat, RefusesTheLeapSecondInBothForms) {
  for (const char* s :
       {"2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2016-12-31T23:59:60+00:00"}) {
    EXPECT_FALSE(parse_time(s)) << s;
    EXPECT_FALSE(parse_saml_time(s)) << s;
  }
  EXPECT_TRUE(parse_saml_time("2016-12-31T23:59:59.999Z"));
}

TEST(TimeFormat, SamlTimesAreUtcWithCapitalTAndZOnly) {
  TimePoint expected = sys_days{year{2026} / 1 / 2} + hours{10};
  EXPECT_EQ(*parse_saml_time("2026-01-02T10:00:00Z"), expected);
  EXPECT_EQ(*parse_saml_time("2026-01-02T10:00:00.250Z"), expected + milliseconds{250});
  for (const char* s :
       {"2026-01-02T10:00:00", "2026-01-02T10:00:00.000", "2026-01-02T10:00:00+00:00",
        "2026-01-02T12:00:00+02:00", "2026-01-02T09:00:00-01:00", "2026-01-02T10:00:00z",
        "2026-01-02t10:00:00Z", "2026-01-02T10:00:00 Z", " 2026-01-02T10:00:00Z",
        "2026-01-02T10:00:00Z\n"}) {
    auto r = parse_saml_time(s);
    EXPECT_FALSE(r) << s;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
    }
  }
}

// Found by fuzzing (tests/fuzz/corpus/wstrust_request/year_8198_lifetime.xml): a year past 2262
// overflowed the nanosecond count of a TimePoint (undefined behaviour) instead of being refused.
TEST(TimeFormat, TimesATimePointCannotHoldAreRefusedNotOverflowed) {
  for (const char* s : {"8198-01-02T10:10:00.3Z", "9999-12-31T23:59:59.999Z", "2262-04-11T23:47:16Z",
                        "1677-09-21T00:12:44Z", "0000-01-01T00:00:00Z"}) {
    auto r = parse_time(s);
    EXPECT_FALSE(r) << s;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
      EXPECT_NE(r.error().message.find("1677 to 2262"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_EQ(*parse_time("2262-04-11T23:47:14Z"), sys_days{year{2262} / 4 / 11} + hours{23} +
                                                     minutes{47} + seconds{14});
  EXPECT_EQ(*parse_time("1677-09-22T00:00:00Z"), sys_days{year{1677} / 9 / 22});
}

}  // namespace
}  // namespace sigil
