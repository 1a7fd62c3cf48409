#include <gtest/gtest.h>

#include <set>

#include "sigil/base/result.hpp"

namespace sigil {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return fail(Errc::kInvalidArgument, "odd", "x=" + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  SIGIL_TRY(int h, half(x));
  SIGIL_TRY(int q, half(h));
  return q;
}

TEST(Result, CarriesValueOrError) {
  auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "odd");
  EXPECT_EQ(bad.error().to_string(), "odd: x=3");
}

TEST(Result, TryPropagatesTheFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  auto r = quarter(6);  // 6/2 = 3, odd
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "x=3");
}

TEST(Result, VoidResult) {
  Result<void> ok;
  EXPECT_TRUE(ok);
  Result<void> bad = fail(Errc::kConflict, "taken");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kConflict);
}

TEST(Errc, EveryCodeHasADistinctStableName) {
  std::set<std::string_view> names;
  for (Errc c : kAllErrcs) {
    auto n = errc_name(c);
    EXPECT_FALSE(n.empty());
    EXPECT_TRUE(names.insert(n).second) << "duplicate name " << n;
  }
  EXPECT_EQ(names.size(), kAllErrcs.size());
}

TEST(ResultDeathTest, ValueOfAFailedResultAborts) {
  EXPECT_DEATH((void)half(1).value(), "value\\(\\) on a failed Result");
}

}  // namespace
}  // namespace sigil
