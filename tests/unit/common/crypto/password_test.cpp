#include "sigil/crypto/password.hpp"

#include <chrono>
#include <regex>

#include <gtest/gtest.h>

#include <ctime>

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using testing::must;

// Made by Python's hashlib.scrypt (an independent implementation), with non-default parameters.
constexpr std::string_view kPythonHash =
    "$scrypt$ln=10,r=8,p=2$c2lnaWwtdGVzdC1zYWx0IQ$iW81AO0GAS/jFij1+KZANuyz00nBQXZdSDNgIAvYkPs";

TEST(Password, HashUsesThePhcScryptFormatAndVerifies) {
  auto encoded = hash_password("correct horse battery staple");
  ASSERT_TRUE(encoded) << encoded.error();
  EXPECT_TRUE(std::regex_match(
      *encoded, std::regex(R"(^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)")))
      << *encoded;
  EXPECT_TRUE(must(verify_password("correct horse battery staple", *encoded)));
  EXPECT_FALSE(must(verify_password("correct horse battery stapl", *encoded)));
}

TEST(Password, TwoHashesOfTheSamePasswordDifferBecauseOfTheSalt) {
  auto a = must(hash_password("pw"));
  auto b = must(hash_password("pw"));
  EXPECT_NE(a, b);
}

TEST(Password, VerifiesHashesFromAnotherImplementationWithTheirParameters) {
  EXPECT_TRUE(must(verify_password("correct horse battery staple", kPythonHash)));
  EXPECT_FALSE(must(verify_password("Correct horse battery staple", kPythonHash)));
}

TEST(Password, PythonHashlibVerifiesOurHash) {
  if (testing::run_command("python3 -c 'import hashlib; hashlib.scrypt'").exit_code != 0) {
    GTEST_SKIP() << "python3 with hashlib.scrypt is not available";
  }
  std::string encoded = must(hash_password("tr0ub4dor&3"));
  std::string script =
      "import base64,hashlib,sys\n"
      "_,_,params,salt,h=sys.argv[1].split('$')\n"
      "p=dict(kv.split('=') for kv in params.split(','))\n"
      "b=lambda s: base64.b64decode(s+'='*(-len(s)%4))\n"
      "d=hashlib.scrypt(b'tr0ub4dor&3',salt=b(salt),n=2**int(p['ln']),r=int(p['r']),"
      "p=int(p['p']),dklen=len(b(h)),maxmem=64*1024*1024)\n"
      "print('match' if d==b(h) else 'mismatch')\n";
  testing::TempDir dir;
  testing::write_file(dir / "check.py", script);
  auto out = testing::run_command("python3 " + (dir / "check.py").string() + " '" + encoded + "'");
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_EQ(out.output, "match\n");
}

TEST(Password, MalformedOrAbsurdEncodedHashesAreRejected) {
  const std::string salt = "c2lnaWwtdGVzdC1zYWx0IQ";
  const std::string hash = "iW81AO0GAS/jFij1+KZANuyz00nBQXZdSDNgIAvYkPs";
  for (const std::string& encoded : {
           std::string(""),
           std::string("plaintext"),
           "$bcrypt$ln=10,r=8,p=1$" + salt + "$" + hash,
           "$scrypt$ln=10,r=8,p=1$" + salt,                     // missing hash
           "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash + "$",  // extra field
           "$scrypt$ln=10,r=8$" + salt + "$" + hash,            // missing p
           "$scrypt$r=8,ln=10,p=1$" + salt + "$" + hash,        // wrong order
           "$scrypt$ln=+10,r=8,p=1$" + salt + "$" + hash,
           "$scrypt$ln=ten,r=8,p=1$" + salt + "$" + hash,
           "$scrypt$ln=21,r=8,p=1$" + salt + "$" + hash,  // ln > 20
           "$scrypt$ln=0,r=8,p=1$" + salt + "$" + hash,
           "$scrypt$ln=10,r=0,p=1$" + salt + "$" + hash,
           "$scrypt$ln=10,r=33,p=1$" + salt + "$" + hash,
           "$scrypt$ln=10,r=8,p=17$" + salt + "$" + hash,
           "$scrypt$ln=20,r=8,p=1$" + salt + "$" + hash,   // 1 GiB of memory
           "$scrypt$ln=10,r=8,p=1$" + salt + "=$" + hash,  // padding
           "$scrypt$ln=10,r=8,p=1$!!!!$" + hash,
           "$scrypt$ln=10,r=8,p=1$c2FsdA$" + hash,        // 4-byte salt
           "$scrypt$ln=10,r=8,p=1$" + salt + "$c2hvcnQ",  // 5-byte hash
       }) {
    auto r = verify_password("pw", encoded);
    ASSERT_FALSE(r) << encoded;
    EXPECT_EQ(r.error().code, Errc::kMalformedRequest) << encoded;
  }
}

TEST(Password, OverlongPasswordsAreRefused) {
  std::string huge(1025, 'x');
  auto h = hash_password(huge);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, Errc::kPayloadTooLarge);
  auto v = verify_password(huge, kPythonHash);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kPayloadTooLarge);
}

// CPU time of this thread, so other processes on a busy machine do not skew the comparison.
std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
}

TEST(Password, DummyVerifyCostsAboutAsMuchAsARealVerify) {
  // The user-enumeration defence only works if the dummy path really runs scrypt at the default
  // parameters. Thread CPU time, best of three, with a loose bound.
  std::string encoded = must(hash_password("pw"));
  auto best = [](auto&& fn) {
    auto min = std::chrono::nanoseconds::max();
    for (int i = 0; i < 3; ++i) {
      auto t0 = thread_cpu_time();
      fn();
      min = std::min(min, thread_cpu_time() - t0);
    }
    return min;
  };
  auto real = best([&] { ASSERT_TRUE(verify_password("guess", encoded)); });
  auto dummy = best([] { dummy_verify("guess"); });
  EXPECT_GT(dummy * 3, real);
  EXPECT_GT(real * 3, dummy);
}

}  // namespace
}  // namespace sigil::crypto
