// The built-in CA against a real PostgreSQL: created once (also by two processes' worth of
// concurrent transactions), sealed at rest, reopened, and issuing signing certificates that chain
// to it.
#include "sigil/ca/builtin_ca.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <pqxx/transaction>

#include "sigil/crypto/x509.hpp"
#include "sigil/db/ca_store.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::ca {
namespace {

using namespace std::chrono_literals;

class BuiltinCaTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    auto key = crypto::MasterKey::generate();
    ASSERT_TRUE(key);
    master_key_.emplace(std::move(*key));
    pool_ = std::make_unique<db::ConnectionPool>(conninfo(), db::PoolOptions{});
  }
  Result<BuiltinCa> ensure(bool* created, const crypto::MasterKey* key = nullptr) {
    CaOptions options;
    options.key_type = crypto::KeyType::kEcdsaP256;  // fast; RSA is the default
    return db::transact(*pool_, "ensure CA", [&](pqxx::dbtransaction& tx) {
      return ensure_ca(tx, key != nullptr ? *key : *master_key_, clock_, options, created);
    });
  }

  ManualClock clock_{TimePoint{} + 24h * 20000};
  std::optional<crypto::MasterKey> master_key_;
  std::unique_ptr<db::ConnectionPool> pool_;
};

TEST_F(BuiltinCaTest, CreatedOnceThenReopened) {
  bool created = false;
  auto first = ensure(&created);
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(created);
  auto second = ensure(&created);
  ASSERT_TRUE(second) << second.error();
  EXPECT_FALSE(created);
  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_TRUE(crypto::key_matches_certificate(second->key.get(), first->cert.get()));
  auto info = crypto::describe(first->cert.get());
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->is_ca);
  EXPECT_EQ(info->subject, "CN=Sigil built-in CA,O=Sigil");
  EXPECT_EQ(first->not_after - first->not_before, kDefaultCaValidity + 10min);
}

TEST_F(BuiltinCaTest, ConcurrentStartsCreateOneCa) {
  std::vector<std::string> fingerprints(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < fingerprints.size(); ++i) {
    threads.emplace_back([&, i] {
      bool created = false;
      auto ca = ensure(&created);
      if (ca) fingerprints[i] = ca->sha256;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : fingerprints) EXPECT_EQ(f, fingerprints.front());
  auto rows = db::transact(*pool_, "list", [](pqxx::dbtransaction& tx) {
    return db::CaStore(tx).list();
  });
  ASSERT_TRUE(rows) << rows.error();
  EXPECT_EQ(rows->size(), 1u);
}

TEST_F(BuiltinCaTest, KeyIsSealedAndNeedsTheSameMasterKey) {
  bool created = false;
  ASSERT_TRUE(ensure(&created));
  auto rows = db::transact(*pool_, "list", [](pqxx::dbtransaction& tx) {
    return db::CaStore(tx).list();
  });
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->front().private_key_ciphertext.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(rows->front().master_key_id, master_key_->id());
  auto other = crypto::MasterKey::generate();
  ASSERT_TRUE(other);
  auto wrong = ensure(&created, &*other);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kDecryptFailed);
  EXPECT_NE(wrong.error().message.find(master_key_->id()), std::string::npos) << wrong.error();
}

TEST_F(BuiltinCaTest, IssuesSigningCertificatesThatChainToIt) {
  bool created = false;
  auto ca = ensure(&created);
  ASSERT_TRUE(ca);
  SigningCertRequest req;
  req.tenant = "vsphere.local";
  req.key_type = crypto::KeyType::kEcdsaP256;
  auto issued = issue_signing_certificate(*ca, req, clock_);
  ASSERT_TRUE(issued) << issued.error();
  auto info = crypto::describe(issued->cert.get());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subject, "CN=vsphere.local token signing,O=Sigil");
  EXPECT_EQ(info->issuer, "CN=Sigil built-in CA,O=Sigil");
  EXPECT_FALSE(info->is_ca);
  ASSERT_TRUE(info->key_usage);
  EXPECT_TRUE(info->key_usage->digital_signature);
  EXPECT_FALSE(info->key_usage->key_cert_sign);
  EXPECT_EQ(issued->not_after - clock_.now(), kDefaultSigningValidity);
  std::vector<crypto::X509Ptr> roots;
  roots.push_back(crypto::share(ca->cert.get()));
  EXPECT_TRUE(crypto::verify_chain(issued->cert.get(), {}, roots, clock_.now()));
  auto chain = crypto::parse_certificate_bundle(issued->chain_pem);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(X509_cmp((*chain)[1].get(), ca->cert.get()), 0);
  EXPECT_TRUE(crypto::key_matches_certificate(issued->key.get(), issued->cert.get()));
}

TEST_F(BuiltinCaTest, SigningCertificateNeverOutlivesTheCa) {
  bool created = false;
  auto ca = ensure(&created);
  ASSERT_TRUE(ca);
  ManualClock late(ca->not_after - 24h * 365);
  SigningCertRequest req;
  req.tenant = "vsphere.local";
  req.key_type = crypto::KeyType::kEcdsaP256;
  auto issued = issue_signing_certificate(*ca, req, late);
  ASSERT_TRUE(issued) << issued.error();
  EXPECT_EQ(issued->not_after, ca->not_after);
  ManualClock after(ca->not_after + 1h);
  auto refused = issue_signing_certificate(*ca, req, after);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidTimeRange);
}

}  // namespace
}  // namespace sigil::ca
