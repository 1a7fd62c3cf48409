#include "sigil/crypto/random.hpp"

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace sigil::crypto {
namespace {

TEST(Random, BytesHaveTheRequestedLengthAndDifferBetweenCalls) {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(a->size(), 32U);
  EXPECT_NE(*a, *b);
  auto none = random_bytes(0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Random, IdIsAnUnderscoreFollowedByAVersion4Uuid) {
  const std::regex uuid4("^_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = random_id();
    ASSERT_TRUE(std::regex_match(id, uuid4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000U);
}

TEST(Random, PasswordHasTheRequestedLengthAndUsesTheWholeUrlSafeAlphabet) {
  auto pw = random_password(4096);
  ASSERT_TRUE(pw) << pw.error();
  ASSERT_EQ(pw->size(), 4096U);
  std::set<char> used(pw->view().begin(), pw->view().end());
  for (char c : used) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  }
  // 4096 uniform draws from 64 symbols miss one with probability about 64 * e^-64.
  EXPECT_EQ(used.size(), 64U);
  auto other = random_password(4096);
  ASSERT_TRUE(other);
  EXPECT_NE(pw->view(), other->view());
}

TEST(Random, PasswordOfZeroCharactersIsRefused) {
  auto pw = random_password(0);
  ASSERT_FALSE(pw);
  EXPECT_EQ(pw.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::crypto
