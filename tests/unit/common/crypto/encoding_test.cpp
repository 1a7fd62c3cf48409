#include "sigil/crypto/encoding.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sigil/crypto/random.hpp"

namespace sigil::crypto {
namespace {

std::string as_string(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> kRfc4648 = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(CryptoEncoding, Base64MatchesTheRfc4648TestVectors) {
  for (const auto& [plain, encoded] : kRfc4648) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded << ": " << decoded.error();
    EXPECT_EQ(as_string(*decoded), plain);
  }
}

TEST(CryptoEncoding, Base64RoundTripsArbitraryBytes) {
  for (std::size_t n = 0; n < 70; ++n) {
    auto bytes = random_bytes(n);
    ASSERT_TRUE(bytes);
    auto decoded = base64_decode(base64_encode(*bytes));
    ASSERT_TRUE(decoded) << decoded.error();
    EXPECT_EQ(*decoded, *bytes);
  }
}

TEST(CryptoEncoding, Base64DecodeSkipsWhitespaceAndLineBreaks) {
  auto decoded = base64_decode(" Zm9v\r\nYmFy\n\tZm9v\nYg==\n");
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(as_string(*decoded), "foobarfoob");
}

TEST(CryptoEncoding, Base64DecodeRefusesAnythingElseAsMalformed) {
  const std::vector<std::string> bad = {
      "Zm9v!mFy",  // outside the alphabet
      "Zm9v-_Fy",  // URL-safe alphabet
      "Zm9",       // not a multiple of 4
      "Zg==Zg==",  // data after padding
      "Zg===",     // too much padding
      "Z===",      // too much padding
      "Zh==",      // non-zero trailing bits
      "Zm9vYmF=",  // non-zero trailing bits
      "Zm9v\x01",  // control character
      std::string("Zm9v\0YmFy", 9),
  };
  for (const std::string& text : bad) {
    auto r = base64_decode(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::kMalformedRequest) << text;
    auto s = base64_decode_secret(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code, Errc::kMalformedRequest) << text;
  }
}

TEST(CryptoEncoding, Base64DecodeSecretGivesTheExactBytes) {
  auto secret = base64_decode_secret("Zm9vYmE=\n");
  ASSERT_TRUE(secret) << secret.error();
  EXPECT_EQ(std::string(secret->span().begin(), secret->span().end()), "fooba");
}

TEST(CryptoEncoding, HexIsLowercaseAndFingerprintIsUppercaseWithColons) {
  std::vector<std::uint8_t> bytes = {0x00, 0xAB, 0x0F, 0xFF};
  EXPECT_EQ(hex_encode(bytes), "00ab0fff");
  EXPECT_EQ(fingerprint_hex(bytes), "00:AB:0F:FF");
  EXPECT_EQ(hex_encode({}), "");
  EXPECT_EQ(fingerprint_hex({}), "");
}

TEST(CryptoEncoding, DigestsMatchTheFipsTestVectors) {
  EXPECT_EQ(hex_encode(sha256(bytes_of("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(sha1(bytes_of("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_encode(sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoEncoding, ConstantTimeEqualityComparesContentAndLength) {
  EXPECT_TRUE(ct_equal(bytes_of("secret"), bytes_of("secret")));
  EXPECT_FALSE(ct_equal(bytes_of("secret"), bytes_of("secreT")));
  EXPECT_FALSE(ct_equal(bytes_of("secret"), bytes_of("secret2")));
  EXPECT_FALSE(ct_equal(bytes_of(""), bytes_of("x")));
  EXPECT_TRUE(ct_equal(bytes_of(""), bytes_of("")));
}

}  // namespace
}  // namespace sigil::crypto
