#include "sigil/crypto/pkcs12.hpp"

#include <gtest/gtest.h>

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using testing::must;
using testing::openssl_queue_empty;
using testing::shared_pki;

std::vector<X509Ptr> root_chain() {
  std::vector<X509Ptr> chain;
  chain.push_back(share(shared_pki().root.get()));
  return chain;
}

std::vector<std::uint8_t> leaf_p12(std::string_view passphrase) {
  const auto& pki = shared_pki();
  return must(write_pkcs12(pki.leaf_key.get(), pki.leaf.get(), root_chain(), passphrase, "sts"));
}

TEST(Pkcs12, RoundTripRestoresKeyCertificateAndChain) {
  const auto& pki = shared_pki();
  auto der = leaf_p12("correct horse");
  auto back = read_pkcs12(der, "correct horse");
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(EVP_PKEY_eq(back->key.get(), pki.leaf_key.get()), 1);
  EXPECT_EQ(X509_cmp(back->certificate.get(), pki.leaf.get()), 0);
  ASSERT_EQ(back->chain.size(), 1U);
  EXPECT_EQ(X509_cmp(back->chain[0].get(), pki.root.get()), 0);
}

TEST(Pkcs12, WrongPassphraseIsADecryptFailure) {
  auto der = leaf_p12("correct horse");
  auto r = read_pkcs12(der, "battery staple");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kDecryptFailed);
  EXPECT_EQ(r.error().message, "wrong PKCS#12 passphrase");
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Pkcs12, NonPkcs12InputIsMalformed) {
  auto r = read_pkcs12(bytes_of("definitely not DER"), "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
  auto der = leaf_p12("pw");
  der.push_back(0);
  auto trailing = read_pkcs12(der, "pw");
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().code, Errc::kMalformedRequest);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Pkcs12, WritingNeedsAPassphraseAndAMatchingKey) {
  const auto& pki = shared_pki();
  auto empty = write_pkcs12(pki.leaf_key.get(), pki.leaf.get(), {}, "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
  auto mismatch = write_pkcs12(pki.root_key.get(), pki.leaf.get(), {}, "pw");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, Errc::kInvalidArgument);
}

TEST(Pkcs12, OpensslCliReadsOurFileAndSeesModernAlgorithms) {
  testing::TempDir dir;
  testing::write_file(dir / "sts.p12", ByteView(leaf_p12("s3cret pass")));
  std::string file = (dir / "sts.p12").string();
  auto out =
      testing::run_command("openssl pkcs12 -in " + file + " -passin 'pass:s3cret pass' -nodes");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(out.output.find("CN = sts.example.test"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("CN = Sigil Test Root CA"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("friendlyName: sts"), std::string::npos) << out.output;
  auto info = testing::run_command("openssl pkcs12 -info -noout -in " + file +
                                   " -passin 'pass:s3cret pass'");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("MAC: sha256"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("PBES2, PBKDF2, AES-256-CBC"), std::string::npos) << info.output;
  EXPECT_EQ(info.output.find("RC2"), std::string::npos) << info.output;
  EXPECT_EQ(info.output.find("3DES"), std::string::npos) << info.output;
  auto wrong = testing::run_command("openssl pkcs12 -in " + file + " -passin pass:nope -nodes");
  EXPECT_NE(wrong.exit_code, 0);
}

TEST(Pkcs12, ReadsAFileTheOpensslCliExported) {
  testing::TempDir dir;
  const auto& pki = shared_pki();
  testing::write_file(dir / "key.pem", must(write_private_key_pem(pki.leaf_key.get())).view());
  testing::write_file(dir / "cert.pem", must(write_certificate_pem(pki.leaf.get())));
  std::string p12 = (dir / "cli.p12").string();
  auto out =
      testing::run_command("openssl pkcs12 -export -inkey " + (dir / "key.pem").string() + " -in " +
                           (dir / "cert.pem").string() + " -out " + p12 + " -passout pass:cli");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  std::string der = testing::read_file(p12);
  auto back = read_pkcs12(bytes_of(der), "cli");
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(EVP_PKEY_eq(back->key.get(), pki.leaf_key.get()), 1);
  EXPECT_TRUE(back->chain.empty());
}

}  // namespace
}  // namespace sigil::crypto
