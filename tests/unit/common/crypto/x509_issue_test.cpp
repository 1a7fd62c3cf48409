#include <gtest/gtest.h>

#include "sigil/crypto/x509.hpp"

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using namespace std::chrono_literals;
using testing::must;
using testing::openssl_queue_empty;
using testing::shared_pki;
using testing::test_now;

CertRequest valid_leaf_request() {
  const auto& pki = shared_pki();
  return testing::leaf_request(pki.leaf_key.get(), pki.root_key.get(), pki.root.get(), test_now());
}

void expect_refused(const CertRequest& request, Errc code, const char* why) {
  auto r = issue_certificate(request);
  ASSERT_FALSE(r) << why;
  EXPECT_EQ(r.error().code, code) << why << ": " << r.error();
  EXPECT_TRUE(openssl_queue_empty()) << why;
}

TEST(X509Issue, ValidityMustEndAfterItStarts) {
  auto r = valid_leaf_request();
  r.not_after = r.not_before;
  expect_refused(r, Errc::kInvalidTimeRange, "not_after == not_before");
  r.not_after = r.not_before - 1s;
  expect_refused(r, Errc::kInvalidTimeRange, "not_after < not_before");
}

TEST(X509Issue, KeysAndIssuerMustBeConsistent) {
  const auto& pki = shared_pki();
  auto r = valid_leaf_request();
  r.subject_key = nullptr;
  expect_refused(r, Errc::kInvalidArgument, "no subject key");

  r = valid_leaf_request();
  r.issuer_key = pki.leaf_key.get();  // does not match the root certificate
  expect_refused(r, Errc::kInvalidArgument, "issuer key mismatch");

  r = valid_leaf_request();
  r.issuer_key = pki.leaf_key.get();
  r.issuer_cert = pki.leaf.get();  // a matching pair, but not a CA
  expect_refused(r, Errc::kInvalidArgument, "issuer is not a CA");

  r = testing::root_ca_request(pki.root_key.get(), test_now());
  r.issuer_key = pki.leaf_key.get();  // self-signed, but with another key
  expect_refused(r, Errc::kInvalidArgument, "self-signed with a foreign key");
}

TEST(X509Issue, NamesAreChecked) {
  auto r = valid_leaf_request();
  r.subject = {};
  expect_refused(r, Errc::kInvalidArgument, "empty subject");
  r = valid_leaf_request();
  r.subject.country = "USA";
  expect_refused(r, Errc::kInvalidArgument, "three-letter country");
  r = valid_leaf_request();
  r.subject.common_name = std::string(65, 'x');
  expect_refused(r, Errc::kInvalidArgument, "CN over 64 characters");
  for (const char* dns :
       {"", "bad name", "a..b", "-a.example", "a.*.example", "x,DNS:evil", "*", "exa_mple.com"}) {
    r = valid_leaf_request();
    r.dns_names = {dns};
    expect_refused(r, Errc::kInvalidArgument, dns);
  }
}

TEST(X509Issue, RsaIssuerSignsWithSha256WithRsa) {
  auto key = must(generate_key(KeyType::kRsa2048));
  auto root = must(issue_certificate(testing::root_ca_request(key.get(), test_now())));
  EXPECT_EQ(X509_get_signature_nid(root.get()), NID_sha256WithRSAEncryption);
  EXPECT_EQ(must(describe(root.get())).key_description, "RSA-2048");
  EXPECT_EQ(X509_verify(root.get(), key.get()), 1);
}

TEST(X509Issue, CaCertificateHasKeyIdentifiersLinkingLeafToIssuer) {
  const auto& pki = shared_pki();
  const ASN1_OCTET_STRING* root_skid = X509_get0_subject_key_id(pki.root.get());
  const ASN1_OCTET_STRING* leaf_akid = X509_get0_authority_key_id(pki.leaf.get());
  const ASN1_OCTET_STRING* root_akid = X509_get0_authority_key_id(pki.root.get());
  ASSERT_NE(root_skid, nullptr);
  ASSERT_NE(leaf_akid, nullptr);
  ASSERT_NE(root_akid, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(root_skid, leaf_akid), 0);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(root_skid, root_akid), 0);
  EXPECT_NE(X509_get0_subject_key_id(pki.leaf.get()), nullptr);
}

TEST(X509Issue, ClientAuthAndNoKeyUsageAreHonoured) {
  auto r = valid_leaf_request();
  r.key_usage = {};
  r.extended_key_usage = ExtendedKeyUsage{.server_auth = true, .client_auth = true};
  r.dns_names.clear();
  auto info = must(describe(must(issue_certificate(r)).get()));
  EXPECT_FALSE(info.key_usage.has_value());
  EXPECT_EQ(info.extended_key_usage, (ExtendedKeyUsage{.server_auth = true, .client_auth = true}));
  EXPECT_TRUE(info.dns_names.empty());
}

}  // namespace
}  // namespace sigil::crypto
