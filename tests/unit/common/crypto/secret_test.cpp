#include "sigil/crypto/secret.hpp"

#include <cstring>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace sigil::crypto {
namespace {

template <class T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

// Secrets must not be copied around or printed by accident.
static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_copy_constructible_v<SecretString>);
static_assert(!Streamable<SecretBytes>);
static_assert(!Streamable<SecretString>);

TEST(SecretBytes, HoldsACopyOfTheInput) {
  std::vector<std::uint8_t> source = {1, 2, 3, 4};
  SecretBytes secret(source);
  source[0] = 9;
  ASSERT_EQ(secret.size(), 4U);
  EXPECT_EQ(secret.span()[0], 1);
  EXPECT_EQ(std::vector<std::uint8_t>(secret.span().begin(), secret.span().end()),
            (std::vector<std::uint8_t>{1, 2, 3, 4}));
}

TEST(SecretBytes, SizedConstructorGivesZeroedWritableBuffer) {
  SecretBytes secret(3);
  EXPECT_EQ(secret.size(), 3U);
  EXPECT_EQ(secret.span()[2], 0);
  secret.mutable_span()[2] = 7;
  EXPECT_EQ(secret.data()[2], 7);
}

TEST(SecretBytes, MovingHandsOverTheBufferAndEmptiesTheSource) {
  SecretBytes a(std::vector<std::uint8_t>{5, 6});
  const std::uint8_t* buffer = a.data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), buffer);  // no copy left behind
  EXPECT_EQ(b.size(), 2U);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(a.data(), nullptr);
  SecretBytes c;
  c = std::move(b);
  EXPECT_EQ(c.data(), buffer);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytes, ClearEmptiesTheBuffer) {
  SecretBytes secret(std::vector<std::uint8_t>{1, 2});
  secret.clear();
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.data(), nullptr);
}

TEST(SecretString, ViewsTheTextAndIsNulTerminated) {
  SecretString s("hunter2");
  EXPECT_EQ(s.view(), "hunter2");
  EXPECT_EQ(s.size(), 7U);
  EXPECT_EQ(std::strlen(s.c_str()), 7U);
  EXPECT_EQ(s.bytes().size(), 7U);
  EXPECT_EQ(s.bytes()[0], 'h');
}

TEST(SecretString, EmptyAndMovedFromStringsAreEmptyAndStillNulTerminated) {
  SecretString empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_STREQ(empty.c_str(), "");
  SecretString a("pw");
  SecretString b(std::move(a));
  EXPECT_EQ(b.view(), "pw");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_STREQ(a.c_str(), "");
  EXPECT_EQ(a.view(), "");
}

}  // namespace
}  // namespace sigil::crypto
