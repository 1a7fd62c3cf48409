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

std::vector<X509Ptr> certs(X509* a) {
  std::vector<X509Ptr> v;
  v.push_back(share(a));
  return v;
}

void expect_chain_error(const Result<void>& r, const std::string& reason) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kAuthFailed);
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error();
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(X509Chain, LeafVerifiesAgainstItsRootAtAValidTime) {
  const auto& pki = shared_pki();
  auto r = verify_chain(pki.leaf.get(), {}, certs(pki.root.get()), test_now());
  EXPECT_TRUE(r) << r.error();
  EXPECT_TRUE(verify_chain(pki.root.get(), {}, certs(pki.root.get()), test_now()));
}

TEST(X509Chain, ExpiredLeafFailsAtALaterTime) {
  const auto& pki = shared_pki();
  auto r = verify_chain(pki.leaf.get(), {}, certs(pki.root.get()), test_now() + 24h * 91);
  expect_chain_error(r, "certificate has expired");
  EXPECT_NE(r.error().message.find("(depth 0)"), std::string::npos) << r.error();
}

TEST(X509Chain, LeafIsNotYetValidBeforeNotBefore) {
  const auto& pki = shared_pki();
  auto r = verify_chain(pki.leaf.get(), {}, certs(pki.root.get()), test_now() - 2h);
  expect_chain_error(r, "certificate is not yet valid");
}

TEST(X509Chain, WrongRootIsRejected) {
  const auto& pki = shared_pki();
  auto other_key = must(generate_key(KeyType::kEcdsaP256));
  auto other_root = must(issue_certificate(testing::root_ca_request(other_key.get(), test_now())));
  auto r = verify_chain(pki.leaf.get(), {}, certs(other_root.get()), test_now());
  expect_chain_error(r, "unable to get local issuer certificate");
}

TEST(X509Chain, IntermediateIsNeededAndUsed) {
  const auto& pki = shared_pki();
  auto mid_key = must(generate_key(KeyType::kRsa2048));
  auto mid_request = testing::root_ca_request(mid_key.get(), test_now());
  mid_request.subject.common_name = "Sigil Test Intermediate CA";
  mid_request.issuer_key = pki.root_key.get();
  mid_request.issuer_cert = pki.root.get();
  auto mid = must(issue_certificate(mid_request));
  auto leaf_key = must(generate_key(KeyType::kEcdsaP256));
  auto leaf = must(issue_certificate(
      testing::leaf_request(leaf_key.get(), mid_key.get(), mid.get(), test_now())));

  auto with = verify_chain(leaf.get(), certs(mid.get()), certs(pki.root.get()), test_now());
  EXPECT_TRUE(with) << with.error();
  auto without = verify_chain(leaf.get(), {}, certs(pki.root.get()), test_now());
  expect_chain_error(without, "unable to get local issuer certificate");
  // A trusted intermediate is not enough: chains must end at a self-signed root.
  auto mid_as_root = verify_chain(leaf.get(), {}, certs(mid.get()), test_now());
  ASSERT_FALSE(mid_as_root);
  EXPECT_EQ(mid_as_root.error().code, Errc::kAuthFailed);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(X509Chain, MissingInputsAreInvalidArguments) {
  const auto& pki = shared_pki();
  auto no_leaf = verify_chain(nullptr, {}, certs(pki.root.get()), test_now());
  ASSERT_FALSE(no_leaf);
  EXPECT_EQ(no_leaf.error().code, Errc::kInvalidArgument);
  auto no_roots = verify_chain(pki.leaf.get(), {}, {}, test_now());
  ASSERT_FALSE(no_roots);
  EXPECT_EQ(no_roots.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::crypto
