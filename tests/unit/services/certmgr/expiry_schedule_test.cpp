#include "certmgr/alarms/expiry_schedule.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sigil::certmgr::alarms {
namespace {

using namespace std::chrono_literals;
using Action = ExpiryDecision::Action;

const TimePoint kNotAfter = TimePoint{} + 24h * 20000;

TEST(ExpiryScheduleTest, NothingBeforeNinetyDays) {
  auto d = decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 91, std::nullopt);
  EXPECT_EQ(d.action, Action::kNone);
  EXPECT_EQ(d.days_left, 91);
}

TEST(ExpiryScheduleTest, WarningAtNinetyDaysThenWeekly) {
  auto first = decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 90, std::nullopt);
  EXPECT_EQ(first.action, Action::kNotify);
  EXPECT_EQ(first.severity, Severity::kWarning);
  OpenAlarm open{Severity::kWarning, kNotAfter - 24h * 90};
  EXPECT_EQ(decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 84, open).action, Action::kNone);
  EXPECT_EQ(decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 83 - 1s, open).action, Action::kNone);
  EXPECT_EQ(decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 83, open).action, Action::kNotify);
}

TEST(ExpiryScheduleTest, CriticalAtSevenDaysAtOnceThenDaily) {
  OpenAlarm warned{Severity::kWarning, kNotAfter - 24h * 8};
  auto d = decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 7, warned);
  EXPECT_EQ(d.action, Action::kNotify);
  EXPECT_EQ(d.severity, Severity::kCritical);
  OpenAlarm critical{Severity::kCritical, kNotAfter - 24h * 7};
  EXPECT_EQ(decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 6 - 1min, critical).action,
            Action::kNone);
  EXPECT_EQ(decide_expiry_alarm(kNotAfter, kNotAfter - 24h * 6, critical).action, Action::kNotify);
}

TEST(ExpiryScheduleTest, ExpiredStaysCriticalDaily) {
  OpenAlarm critical{Severity::kCritical, kNotAfter + 24h * 2};
  auto d = decide_expiry_alarm(kNotAfter, kNotAfter + 24h * 3, critical);
  EXPECT_EQ(d.action, Action::kNotify);
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_EQ(d.days_left, -3);
}

TEST(ExpiryScheduleTest, RenewedCertificateClearsTheAlarm) {
  OpenAlarm open{Severity::kCritical, kNotAfter - 24h * 2};
  EXPECT_EQ(decide_expiry_alarm(kNotAfter + 24h * 3650, kNotAfter - 24h, open).action,
            Action::kClear);
}

// Walking hour by hour from 100 days before expiry to 3 days after, a scheduler that applies
// every decision notifies exactly: weekly warnings from day 90 (90, 83, ..., 13 — day 13 is
// the last one more than 7 days out, and the next is due on day 6, which is critical), then a
// critical on day 7 and every day after.
TEST(ExpiryScheduleTest, HourlyWalkGivesExactlyTheDocumentedSequence) {
  std::optional<OpenAlarm> open;
  std::vector<std::pair<std::int64_t, Severity>> notified;
  for (TimePoint now = kNotAfter - 24h * 100; now <= kNotAfter + 24h * 3; now += 1h) {
    auto d = decide_expiry_alarm(kNotAfter, now, open);
    if (d.action == Action::kNotify) {
      open = OpenAlarm{d.severity, now};
      notified.emplace_back(d.days_left, d.severity);
    }
  }
  std::vector<std::pair<std::int64_t, Severity>> expected;
  for (std::int64_t day = 90; day > 7; day -= 7) expected.emplace_back(day, Severity::kWarning);
  for (std::int64_t day = 7; day >= -3; --day) expected.emplace_back(day, Severity::kCritical);
  EXPECT_EQ(notified, expected);
}

TEST(ExpiryScheduleTest, DescribesExpiry) {
  EXPECT_EQ(describe_expiry(kNotAfter, kNotAfter - 24h * 42 - 1h).substr(0, 18), "expires in 42 days");
  EXPECT_EQ(describe_expiry(kNotAfter, kNotAfter - 1h).substr(0, 13), "expires today");
  EXPECT_EQ(describe_expiry(kNotAfter, kNotAfter + 24h * 3).substr(0, 19), "expired 3 days ago ");
}

}  // namespace
}  // namespace sigil::certmgr::alarms
