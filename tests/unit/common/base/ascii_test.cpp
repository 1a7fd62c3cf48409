#include "sigil/base/ascii.hpp"

#include <string>

#include <gtest/gtest.h>

namespace sigil {
namespace {

TEST(Ascii, LowerChangesOnlyAsciiCapitals) {
  EXPECT_EQ(ascii_lower("STS.Example.COM"), "sts.example.com");
  EXPECT_EQ(ascii_lower("@[`{ az09-_.*"), "@[`{ az09-_.*");  // the neighbours of A-Z and a-z
  EXPECT_EQ(ascii_lower(""), "");
  static_assert(ascii_lower('A') == 'a' && ascii_lower('Z') == 'z' && ascii_lower('@') == '@');
}

TEST(Ascii, LowerLeavesNonAsciiBytesAlone) {
  // "ÄDMIN" in UTF-8: the two bytes of Ä (and any Latin-1 byte) stay as they are.
  EXPECT_EQ(ascii_lower("\xC3\x84" "DMIN"), "\xC3\x84" "dmin");
  const std::string high = "\xC0\xC9\xDE\xFF";
  EXPECT_EQ(ascii_lower(high), high);
  const std::string with_nul("A\0B", 3);
  EXPECT_EQ(ascii_lower(with_nul), std::string("a\0b", 3));
}

TEST(Ascii, EqualIgnoringCaseFoldsOnlyAscii) {
  EXPECT_TRUE(equal_ignoring_ascii_case("vSphere.Local", "VSPHERE.local"));
  EXPECT_TRUE(equal_ignoring_ascii_case("", ""));
  EXPECT_FALSE(equal_ignoring_ascii_case("tenant", "tenant-a"));
  EXPECT_FALSE(equal_ignoring_ascii_case("tenant-a", "tenant"));
  EXPECT_FALSE(equal_ignoring_ascii_case("a", ""));
  EXPECT_FALSE(equal_ignoring_ascii_case("@", "`"));  // 0x40 and 0x60 differ by the case bit
  EXPECT_FALSE(equal_ignoring_ascii_case("[", "{"));
  EXPECT_FALSE(equal_ignoring_ascii_case("\xC3\x84", "\xC3\xA4"));  // Ä and ä: not ASCII
}

}  // namespace
}  // namespace sigil
