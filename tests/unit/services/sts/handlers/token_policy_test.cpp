#include "sts/handlers/token_policy.hpp"

#include <gtest/gtest.h>

namespace sigil::sts::handlers {
namespace {

using namespace std::chrono;

const TimePoint kNow = sys_days{year{2026} / 5 / 1} + hours{9} + microseconds{123456};

TEST(TokenPolicy, WithoutARequestedLifetimeTheMaximumIsGrantedFromNowInMilliseconds) {
  auto v = grant_validity(std::nullopt, kNow, seconds{300});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, floor<milliseconds>(kNow));
  EXPECT_EQ(v->not_on_or_after - v->not_before, seconds{300});
}

TEST(TokenPolicy, ALongerRequestIsClampedNotRefused) {
  RequestedLifetime asked{kNow, kNow + hours{24}};
  auto v = grant_validity(asked, kNow, seconds{600});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after - v->not_before, seconds{600});
}

TEST(TokenPolicy, AShorterRequestIsGrantedAsAsked) {
  RequestedLifetime asked{kNow, kNow + minutes{5}};
  auto v = grant_validity(asked, kNow, hours{1});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after - v->not_before, minutes{5});
}

TEST(TokenPolicy, TheLengthIsTakenFromTheRequestEvenIfTheClientClockIsOff) {
  RequestedLifetime asked{kNow - hours{3}, kNow - hours{3} + minutes{5}};
  auto v = grant_validity(asked, kNow, hours{1});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, floor<milliseconds>(kNow));
  EXPECT_EQ(v->not_on_or_after - v->not_before, minutes{5});
}

TEST(TokenPolicy, ADerivedTokenEndsNoLaterThanItsSource) {
  auto v = grant_validity(std::nullopt, kNow, hours{24}, kNow + minutes{7});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after, floor<milliseconds>(kNow + minutes{7}));
}

TEST(TokenPolicy, ALifetimeEndingBeforeItStartsOrNothingLeftIsAnInvalidTimeRange) {
  RequestedLifetime backwards{kNow, kNow - seconds{1}};
  EXPECT_EQ(grant_validity(backwards, kNow, hours{1}).error().code, Errc::kInvalidTimeRange);
  EXPECT_EQ(grant_validity(std::nullopt, kNow, hours{1}, kNow - seconds{1}).error().code,
            Errc::kInvalidTimeRange);
}

}  // namespace
}  // namespace sigil::sts::handlers
