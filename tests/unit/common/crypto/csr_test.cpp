#include <gtest/gtest.h>

#include "sigil/crypto/x509.hpp"

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using testing::must;
using testing::openssl_queue_empty;

const DistinguishedName kSubject = {
    .common_name = "sts.example.test", .organization = "Sigil", .country = "DE"};

TEST(X509Csr, PemRoundTripKeepsSubjectNamesAndKey) {
  auto key = must(generate_key(KeyType::kEcdsaP256));
  std::vector<std::string> dns = {"sts.example.test", "sts2.example.test"};
  auto csr = make_csr(key.get(), kSubject, dns);
  ASSERT_TRUE(csr) << csr.error();
  auto pem = must(write_csr_pem(csr->get()));
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
  auto parsed = parse_csr_pem(pem);
  ASSERT_TRUE(parsed) << parsed.error();
  auto info = describe(parsed->get());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "CN=sts.example.test,O=Sigil,C=DE");
  EXPECT_EQ(info->dns_names, dns);
  EXPECT_EQ(info->key_description, "ECDSA-P256");
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(parsed->get()), key.get()), 1);
}

TEST(X509Csr, OpensslCliVerifiesTheCsrAndSeesTheSubjectAltNames) {
  testing::TempDir dir;
  auto key = must(generate_key(KeyType::kRsa2048));
  auto csr = must(make_csr(key.get(), kSubject, std::vector<std::string>{"a.example.test"}));
  testing::write_file(dir / "req.pem", must(write_csr_pem(csr.get())));
  auto out =
      testing::run_command("openssl req -verify -noout -text -in " + (dir / "req.pem").string());
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("DNS:a.example.test"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("sha256WithRSAEncryption"), std::string::npos);
}

TEST(X509Csr, CsrWithoutNamesHasNoSubjectAltNames) {
  auto key = must(generate_key(KeyType::kEcdsaP256));
  auto csr = must(make_csr(key.get(), kSubject, {}));
  auto info = must(describe(csr.get()));
  EXPECT_TRUE(info.dns_names.empty());
}

TEST(X509Csr, TamperedSignatureIsRejected) {
  auto key = must(generate_key(KeyType::kEcdsaP256));
  auto csr = must(make_csr(key.get(), kSubject, {}));
  // Change the subject after signing: the self-signature no longer covers what is there.
  X509NamePtr other(X509_NAME_new());
  ASSERT_EQ(X509_NAME_add_entry_by_txt(other.get(), "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("evil"), -1, -1, 0),
            1);
  ASSERT_EQ(X509_REQ_set_subject_name(csr.get(), other.get()), 1);
  auto pem = must(write_csr_pem(csr.get()));
  auto r = parse_csr_pem(pem);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kSignatureInvalid);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(X509Csr, BadInputIsRefused) {
  auto garbage = parse_csr_pem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::kMalformedRequest);
  auto key = must(generate_key(KeyType::kEcdsaP256));
  auto bad_name = make_csr(key.get(), kSubject, std::vector<std::string>{"not a name"});
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().code, Errc::kInvalidArgument);
  auto no_key = make_csr(nullptr, kSubject, {});
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(openssl_queue_empty());
}

}  // namespace
}  // namespace sigil::crypto
