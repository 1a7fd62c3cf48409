// check_timestamp: Created - tolerance <= now < Expires + tolerance, boundaries exact; the
// server's own bounds on the window (Expires - Created) and on the age of Created; and
// timestamp_acceptable_until, which says how long a replay cache must remember a request.
#include <chrono>

#include <gtest/gtest.h>

#include "sigil/base/time_format.hpp"
#include "sts/wstrust/security.hpp"
#include "wstrust_fixtures.hpp"

namespace sigil::sts::wstrust {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): this suite's fixtures
using std::chrono::milliseconds;
using std::chrono::seconds;

class WsTrustTimestamp : public ::testing::Test {
 protected:
  void SetUp() override {
    xml::XmlSecLibrary::ensure();
    auto r = parse_request(py_bearer("u", "p"), "", xml::ParseLimits{});
    ASSERT_TRUE(r.has_value()) << r.error();
    request_ = std::move(r).value();
  }

  Result<void> check(TimePoint now, seconds tolerance) {
    return check_timestamp(request_, now, policy(tolerance), true);
  }

  static TimestampPolicy policy(seconds tolerance, seconds max_window = seconds(300),
                                seconds max_age = seconds(300)) {
    TimestampPolicy p;
    p.clock_tolerance = tolerance;
    p.max_window = max_window;
    p.max_age = max_age;
    return p;
  }

  Request request_;
  const TimePoint created_ = parse_time(kTsCreated).value();
  const TimePoint expires_ = parse_time(kTsExpires).value();
};

TEST_F(WsTrustTimestamp, FreshTimestampIsAccepted) {
  EXPECT_TRUE(check(created_ + seconds(1), seconds(0)).has_value());
  EXPECT_TRUE(check(created_, seconds(0)).has_value());
}

TEST_F(WsTrustTimestamp, ExpiryBoundaryIsExactWithoutTolerance) {
  EXPECT_TRUE(check(expires_ - milliseconds(1), seconds(0)).has_value());
  auto at_expiry = check(expires_, seconds(0));
  ASSERT_FALSE(at_expiry.has_value());
  EXPECT_EQ(at_expiry.error().code, Errc::kMessageExpired);
}

TEST_F(WsTrustTimestamp, ExpiryBoundaryIsExactWithTolerance) {
  const seconds tolerance(600);
  EXPECT_TRUE(check(expires_ + tolerance - milliseconds(1), tolerance).has_value());
  EXPECT_EQ(check(expires_ + tolerance, tolerance).error().code, Errc::kMessageExpired);
}

TEST_F(WsTrustTimestamp, CreatedInTheFutureBoundaryIsExact) {
  const seconds tolerance(300);
  EXPECT_TRUE(check(created_ - tolerance, tolerance).has_value());
  EXPECT_EQ(check(created_ - tolerance - milliseconds(1), tolerance).error().code,
            Errc::kMessageExpired);
  EXPECT_EQ(check(created_ - milliseconds(1), seconds(0)).error().code, Errc::kMessageExpired);
}

TEST_F(WsTrustTimestamp, ExpiresNotAfterCreatedIsExpired) {
  request_.timestamp->expires = request_.timestamp->created;
  EXPECT_EQ(check(created_, seconds(600)).error().code, Errc::kMessageExpired);
}

TEST_F(WsTrustTimestamp, MissingTimestampIsInvalidSecurityOnlyWhenRequired) {
  request_.timestamp.reset();
  EXPECT_TRUE(check_timestamp(request_, created_, policy(seconds(0)), false).has_value());
  EXPECT_EQ(check_timestamp(request_, created_, policy(seconds(0)), true).error().code,
            Errc::kSignatureInvalid);
}

TEST_F(WsTrustTimestamp, NegativeLimitsAreAnInvalidArgument) {
  EXPECT_EQ(check(created_, seconds(-1)).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(check_timestamp(request_, created_, policy(seconds(0), seconds(-1)), true)
                .error()
                .code,
            Errc::kInvalidArgument);
  EXPECT_EQ(check_timestamp(request_, created_, policy(seconds(0), seconds(300), seconds(-1)),
                            true)
                .error()
                .code,
            Errc::kInvalidArgument);
}

TEST_F(WsTrustTimestamp, WindowLongerThanTheServerAllowsIsRefusedWhateverTheClientWrote) {
  // The fixture's window is 60 s: a 60 s cap accepts it, 59 s refuses it.
  EXPECT_TRUE(check_timestamp(request_, created_, policy(seconds(0), seconds(60)), true)
                  .has_value());
  auto refused = check_timestamp(request_, created_, policy(seconds(0), seconds(59)), true);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Errc::kMessageExpired);
  EXPECT_EQ(refused.error().detail, "reason=window_too_long");
  // Expires in 2099 is never a reason to accept a request.
  request_.timestamp->expires = parse_time("2099-01-01T00:00:00.000Z").value();
  auto far = check(created_ + seconds(1), seconds(600));
  ASSERT_FALSE(far.has_value());
  EXPECT_EQ(far.error().detail, "reason=window_too_long");
}

TEST_F(WsTrustTimestamp, StaleCreatedIsRefusedEvenWhenExpiresIsStillAhead) {
  // A 300 s window (allowed), checked 300 s + tolerance after Created: the boundary is exact.
  request_.timestamp->expires = created_ + seconds(300);
  const TimestampPolicy p = policy(seconds(10), seconds(300), seconds(120));
  EXPECT_TRUE(check_timestamp(request_, created_ + seconds(130), p, true).has_value());
  auto stale = check_timestamp(request_, created_ + seconds(130) + milliseconds(1), p, true);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, Errc::kMessageExpired);
  EXPECT_EQ(stale.error().detail, "reason=stale");
}

TEST_F(WsTrustTimestamp, AnHourOldCreatedIsRefusedWithTheDefaultBounds) {
  request_.timestamp->created = created_ - seconds(3600);
  request_.timestamp->expires = created_ + seconds(60);
  auto old = check(created_, seconds(600));
  ASSERT_FALSE(old.has_value());
  EXPECT_EQ(old.error().code, Errc::kMessageExpired);
}

TEST_F(WsTrustTimestamp, AcceptableUntilIsTheFirstInstantTheCheckRefuses) {
  for (const TimestampPolicy& p :
       {policy(seconds(0)), policy(seconds(600)), policy(seconds(10), seconds(300), seconds(5))}) {
    const TimePoint until = timestamp_acceptable_until(*request_.timestamp, p);
    EXPECT_TRUE(check_timestamp(request_, until - milliseconds(1), p, true).has_value());
    EXPECT_FALSE(check_timestamp(request_, until, p, true).has_value());
  }
}

}  // namespace
}  // namespace sigil::sts::wstrust
