#include "sigil/base/dns_name.hpp"

#include <string>

#include <gtest/gtest.h>

namespace sigil {
namespace {

// 253 characters: three labels of 63 and one of 61, with their three dots.
std::string longest_name() {
  const std::string l63(63, 'a');
  return l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
}

TEST(DnsName, AcceptsLabelsOfLettersDigitsAndInnerHyphens) {
  for (const char* good : {"localhost", "sts.example.com", "STS.Example.COM", "a-1.b2", "1.2.3.4",
                           "xn--bcher-kva.example", "a", "a--b.c"}) {
    EXPECT_TRUE(is_dns_name(good)) << good;
    EXPECT_TRUE(is_dns_name_or_wildcard(good)) << good;
  }
}

TEST(DnsName, RefusesEmptyLabelsTrailingDotsAndHyphenEdges) {
  for (const char* bad : {"", ".", "a..b", ".a.b", "a.b.", "a.b..", "-a.b", "a-.b", "a.-b", "a.b-",
                          "-"}) {
    EXPECT_FALSE(is_dns_name(bad)) << bad;
    EXPECT_FALSE(is_dns_name_or_wildcard(bad)) << bad;
  }
}

TEST(DnsName, RefusesEveryOtherByte) {
  for (const char* bad : {"a_b.example", "a b", "bad_name!", "a.b/c", "a.b:443", "[::1]",
                          "x,DNS:evil", "a\tb", "b\xC3\xBC" "cher.example"}) {
    EXPECT_FALSE(is_dns_name(bad)) << bad;
    EXPECT_FALSE(is_dns_name_or_wildcard(bad)) << bad;
  }
  EXPECT_FALSE(is_dns_name(std::string("a\0b", 3)));
}

TEST(DnsName, LabelsUpTo63AndNamesUpTo253Characters) {
  EXPECT_TRUE(is_dns_name(std::string(63, 'a') + ".example"));
  EXPECT_FALSE(is_dns_name(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(is_dns_name("example." + std::string(64, 'a')));
  const std::string longest = longest_name();
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_TRUE(is_dns_name(longest));
  EXPECT_FALSE(is_dns_name(longest + "c"));
  EXPECT_FALSE(is_dns_name("c" + longest));
}

TEST(DnsName, WildcardOnlyAsTheWholeFirstLabelAndOnlyWhenAsked) {
  EXPECT_TRUE(is_dns_name_or_wildcard("*.tokens.example.com"));
  EXPECT_TRUE(is_dns_name_or_wildcard("*.com"));  // a domain of one label: callers decide
  EXPECT_FALSE(is_dns_name("*.tokens.example.com"));
  for (const char* bad : {"*", "*.", "*.*.example", "a.*.example", "*a.example", "a*.example",
                          "**.example", "*..example", "*.-a.example"}) {
    EXPECT_FALSE(is_dns_name_or_wildcard(bad)) << bad;
    EXPECT_FALSE(is_dns_name(bad)) << bad;
  }
  // The 253 characters count the "*.".
  const std::string domain = std::string(63, 'a') + "." + std::string(63, 'a') + "." +
                             std::string(63, 'a') + "." + std::string(59, 'b');
  ASSERT_EQ(domain.size(), 251u);
  EXPECT_TRUE(is_dns_name_or_wildcard("*." + domain));
  EXPECT_FALSE(is_dns_name_or_wildcard("*." + domain + "b"));
  EXPECT_TRUE(is_dns_name(domain + "b"));
}

}  // namespace
}  // namespace sigil
