// check_timestamp: Created - tolerance <= now < Expires + tolerance, boundaries exact.
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
    return check_timestamp(request_, now, tolerance, true);
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
  EXPECT_TRUE(check_timestamp(request_, created_, seconds(0), false).has_value());
  EXPECT_EQ(check_timestamp(request_, created_, seconds(0), true).error().code,
            Errc::kSignatureInvalid);
}

TEST_F(WsTrustTimestamp, NegativeToleranceIsAnInvalidArgument) {
  EXPECT_EQ(check(created_, seconds(-1)).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::sts::wstrust
