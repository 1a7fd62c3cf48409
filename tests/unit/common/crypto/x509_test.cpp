#include "sigil/crypto/x509.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using namespace std::chrono_literals;
using testing::must;
using testing::openssl_queue_empty;
using testing::shared_pki;
using testing::test_now;

TEST(X509, SelfSignedRootDescribesItself) {
  const auto& pki = shared_pki();
  auto info = describe(pki.root.get());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "CN=Sigil Test Root CA,O=Sigil,C=US");
  EXPECT_EQ(info->issuer, info->subject);
  EXPECT_TRUE(info->is_ca);
  ASSERT_TRUE(info->key_usage.has_value());
  EXPECT_EQ(*info->key_usage,
            (KeyUsage{.digital_signature = true, .key_cert_sign = true, .crl_sign = true}));
  EXPECT_FALSE(info->extended_key_usage.has_value());
  EXPECT_EQ(info->not_before, test_now() - 1h);
  EXPECT_EQ(info->not_after, test_now() + 24h * 3650);
  EXPECT_TRUE(info->dns_names.empty());
  EXPECT_EQ(info->key_description, "ECDSA-P256");
}

TEST(X509, LeafIssuedByTheRootCarriesTheRequestedFields) {
  const auto& pki = shared_pki();
  auto info = describe(pki.leaf.get());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "CN=sts.example.test,OU=STS,O=Sigil,C=US");
  EXPECT_EQ(info->issuer, "CN=Sigil Test Root CA,O=Sigil,C=US");
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->key_usage, KeyUsage{.digital_signature = true});
  EXPECT_EQ(info->extended_key_usage, ExtendedKeyUsage{.server_auth = true});
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"sts.example.test", "*.sts.example.test"}));
  EXPECT_EQ(info->not_after, test_now() + 24h * 90);
  EXPECT_EQ(info->sha256_fingerprint.size(), 32U * 3 - 1);
  EXPECT_EQ(info->sha1_fingerprint.size(), 20U * 3 - 1);
}

TEST(X509, SerialsAreRandomPositiveAndAtMost128Bits) {
  const auto& pki = shared_pki();
  auto request =
      testing::leaf_request(pki.leaf_key.get(), pki.root_key.get(), pki.root.get(), test_now());
  auto a = must(describe(must(issue_certificate(request)).get()));
  auto b = must(describe(must(issue_certificate(request)).get()));
  EXPECT_NE(a.serial_hex, b.serial_hex);
  for (const auto& serial : {a.serial_hex, b.serial_hex}) {
    EXPECT_FALSE(serial.empty());
    EXPECT_LE(serial.size(), 32U) << serial;
    EXPECT_EQ(serial.find_first_not_of("0123456789ABCDEF"), std::string::npos) << serial;
  }
  EXPECT_NE(a.sha256_fingerprint, b.sha256_fingerprint);
}

TEST(X509, FingerprintsMatchTheOpensslCli) {
  testing::TempDir dir;
  const auto& pki = shared_pki();
  testing::write_file(dir / "leaf.pem", must(write_certificate_pem(pki.leaf.get())));
  auto info = must(describe(pki.leaf.get()));
  std::string file = (dir / "leaf.pem").string();
  auto sha256 = testing::run_command("openssl x509 -noout -fingerprint -sha256 -in " + file);
  ASSERT_EQ(sha256.exit_code, 0) << sha256.output;
  EXPECT_EQ(testing::value_after(sha256.output, "sha256 Fingerprint"), info.sha256_fingerprint);
  auto sha1 = testing::run_command("openssl x509 -noout -fingerprint -sha1 -in " + file);
  ASSERT_EQ(sha1.exit_code, 0) << sha1.output;
  EXPECT_EQ(testing::value_after(sha1.output, "sha1 Fingerprint"), info.sha1_fingerprint);
  auto serial = testing::run_command("openssl x509 -noout -serial -in " + file);
  EXPECT_EQ(testing::value_after(serial.output, "serial"), info.serial_hex);
}

TEST(X509, OpensslCliAcceptsTheChainAndSeesTheExtensions) {
  testing::TempDir dir;
  const auto& pki = shared_pki();
  testing::write_file(dir / "root.pem", must(write_certificate_pem(pki.root.get())));
  testing::write_file(dir / "leaf.pem", must(write_certificate_pem(pki.leaf.get())));
  auto at = std::chrono::system_clock::to_time_t(test_now());
  auto verify = testing::run_command("openssl verify -x509_strict -attime " + std::to_string(at) +
                                     " -CAfile " + (dir / "root.pem").string() + " " +
                                     (dir / "leaf.pem").string());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  auto text = testing::run_command("openssl x509 -noout -text -in " + (dir / "root.pem").string());
  EXPECT_NE(text.output.find("X509v3 Basic Constraints: critical\n                CA:TRUE"),
            std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("X509v3 Key Usage: critical"), std::string::npos);
  EXPECT_NE(text.output.find("X509v3 Subject Key Identifier"), std::string::npos);
  EXPECT_NE(text.output.find("X509v3 Authority Key Identifier"), std::string::npos);
  EXPECT_NE(text.output.find("Version: 3 (0x2)"), std::string::npos);
  EXPECT_NE(text.output.find("ecdsa-with-SHA256"), std::string::npos);
}

TEST(X509, PemAndDerRoundTrip) {
  const auto& pki = shared_pki();
  auto pem = must(write_certificate_pem(pki.leaf.get()));
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
  auto from_pem = parse_certificate_pem(pem);
  ASSERT_TRUE(from_pem) << from_pem.error();
  EXPECT_EQ(X509_cmp(from_pem->get(), pki.leaf.get()), 0);
  auto der = must(write_certificate_der(pki.leaf.get()));
  auto from_der = parse_certificate_der(der);
  ASSERT_TRUE(from_der) << from_der.error();
  EXPECT_EQ(X509_cmp(from_der->get(), pki.leaf.get()), 0);
}

TEST(X509, BundleParsesEveryCertificateInOrder) {
  const auto& pki = shared_pki();
  std::string bundle = "leaf:\n" + must(write_certificate_pem(pki.leaf.get())) + "root:\n" +
                       must(write_certificate_pem(pki.root.get()));
  auto certs = parse_certificate_bundle(bundle);
  ASSERT_TRUE(certs) << certs.error();
  ASSERT_EQ(certs->size(), 2U);
  EXPECT_EQ(X509_cmp((*certs)[0].get(), pki.leaf.get()), 0);
  EXPECT_EQ(X509_cmp((*certs)[1].get(), pki.root.get()), 0);
  EXPECT_TRUE(openssl_queue_empty());
  auto single = parse_certificate_pem(bundle);
  ASSERT_FALSE(single);
  EXPECT_EQ(single.error().code, Errc::kMalformedRequest);
}

TEST(X509, InvalidCertificateInputIsMalformed) {
  const auto& pki = shared_pki();
  std::string pem = must(write_certificate_pem(pki.leaf.get()));
  std::string corrupt = pem;
  corrupt[40] = corrupt[40] == 'A' ? 'B' : 'A';
  std::string truncated = pem.substr(0, pem.size() / 2) + "\n-----END CERTIFICATE-----\n";
  for (const std::string& text :
       {std::string(""), std::string("no pem here"), truncated, pem + truncated, corrupt}) {
    auto r = parse_certificate_bundle(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
    EXPECT_TRUE(openssl_queue_empty());
  }
  auto der = must(write_certificate_der(pki.leaf.get()));
  der.push_back(0);
  auto trailing = parse_certificate_der(der);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().code, Errc::kMalformedRequest);
  auto garbage = parse_certificate_der(bytes_of("garbage"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::kMalformedRequest);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(X509, ValidityAfter2049UsesGeneralizedTimeAndRoundTrips) {
  const auto& pki = shared_pki();
  auto request = testing::root_ca_request(pki.root_key.get(), test_now());
  request.not_after = std::chrono::sys_days{std::chrono::year{2061} / 3 / 4} + 5h + 6min + 7s;
  auto cert = must(issue_certificate(request));
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_GENERALIZEDTIME);
  EXPECT_EQ(must(describe(cert.get())).not_after, request.not_after);
}

}  // namespace
}  // namespace sigil::crypto
