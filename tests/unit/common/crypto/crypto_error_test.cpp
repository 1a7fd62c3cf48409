#include "sigil/crypto/crypto_error.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace sigil::crypto {
namespace {

Result<int> failing_openssl_call() { return crypto_error("reading the thing"); }

TEST(CryptoError, DrainsTheWholeOpensslQueueIntoDetail) {
  ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
  ERR_raise_data(ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH, "extra=%d", 42);
  auto r = failing_openssl_call();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_EQ(r.error().message, "reading the thing");
  EXPECT_NE(r.error().detail.find("no start line"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("key values mismatch (extra=42)"), std::string::npos)
      << r.error().detail;
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST(CryptoError, CarriesTheGivenCodeAndAnEmptyDetailWhenTheQueueIsEmpty) {
  ERR_clear_error();
  Error e = crypto_error("bad input", Errc::kMalformedRequest).error();
  EXPECT_EQ(e.code, Errc::kMalformedRequest);
  EXPECT_EQ(e.detail, "");
  EXPECT_EQ(e.to_string(), "bad input");
}

TEST(CryptoError, DrainReturnsEveryQueuedErrorInOrder) {
  ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
  ERR_raise(ERR_LIB_PEM, PEM_R_BAD_PASSWORD_READ);
  std::string all = drain_openssl_errors();
  std::size_t first = all.find("no start line");
  std::size_t second = all.find("bad password read");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  EXPECT_LT(first, second);
  EXPECT_EQ(drain_openssl_errors(), "");
}

}  // namespace
}  // namespace sigil::crypto
