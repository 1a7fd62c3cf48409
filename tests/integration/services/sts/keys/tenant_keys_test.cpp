// SigningKeyLoader and create_self_signed_signing_key against a real database.

#include "sts/keys/tenant_keys.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/dbtransaction>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/testing/captured_log.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::sts::keys {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTenant = "vsphere.local";
constexpr std::chrono::hours kValidity{24 * 365};

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

class TenantKeysTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<db::ConnectionPool>(conninfo(), db::PoolOptions{});
    log_ = std::make_unique<sigil::testing::CapturedLog>(&clock_);
    loader_ = std::make_unique<SigningKeyLoader>(*pool_, master_key_, log_->logger());
    auto t = db::transact(*pool_, "tenant", [](pqxx::dbtransaction& tx) {
      return db::TenantStore(tx).create(kTenant);
    });
    ASSERT_TRUE(t) << t.error();
    tenant_id_ = t->id;
  }

  std::string create_key(crypto::KeyType type = crypto::KeyType::kEcdsaP256) {
    auto id = db::transact(*pool_, "create key", [&](pqxx::dbtransaction& tx) {
      return create_self_signed_signing_key(tx, tenant_id_, kTenant, master_key_, type, clock_,
                                            kValidity);
    });
    EXPECT_TRUE(id) << id.error();
    return id ? *id : std::string();
  }

  void exec(const std::string& sql) {
    auto r = db::transact(*pool_, "test sql", [&](pqxx::dbtransaction& tx) -> Result<void> {
      tx.exec(sql);
      return {};
    });
    ASSERT_TRUE(r) << r.error();
  }

  std::string log_text() { return log_->text(); }

  ManualClock clock_{kT0};
  crypto::MasterKey master_key_ = crypto::MasterKey::generate().value();
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<sigil::testing::CapturedLog> log_;
  std::unique_ptr<SigningKeyLoader> loader_;
  std::int64_t tenant_id_ = 0;
};

std::string der_b64(X509* cert) {
  return crypto::base64_encode(crypto::write_certificate_der(cert).value());
}

TEST_F(TenantKeysTest, LoadsTheActiveKeyReadyToSign) {
  const std::string key_id = create_key();
  auto keys = loader_->load("VSPHERE.LOCAL");
  ASSERT_TRUE(keys) << keys.error();
  const TenantKeys& k = **keys;
  EXPECT_EQ(k.tenant, "vsphere.local");
  ASSERT_EQ(k.verifying.size(), 1u);
  EXPECT_EQ(k.active_index, 0u);
  const TenantKeys::Key& active = k.active();
  EXPECT_EQ(active.key_id, key_id);
  EXPECT_EQ(active.state, "active");
  EXPECT_EQ(active.algorithm, "ecdsa-sha256");
  EXPECT_TRUE(active.chain.empty());
  ASSERT_EQ(active.chain_der_b64.size(), 1u);
  EXPECT_EQ(active.chain_der_b64[0], der_b64(active.cert.get()));
  const auto der = crypto::write_certificate_der(active.cert.get()).value();
  EXPECT_EQ(key_id, "sk-" + crypto::hex_encode(crypto::sha256(der)).substr(0, 16));
  ASSERT_NE(k.active_private_key, nullptr);
  EXPECT_TRUE(crypto::key_matches_certificate(k.active_private_key.get(), active.cert.get()));
  const auto sig = crypto::sign(k.active_private_key.get(), crypto::Digest::kSha256,
                                crypto::bytes_of("assertion"));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(crypto::verify(X509_get0_pubkey(active.cert.get()), crypto::Digest::kSha256,
                             crypto::bytes_of("assertion"), *sig));
  auto tenant = db::transact(
      *pool_, "tenant", [](pqxx::dbtransaction& tx) { return db::TenantStore(tx).find(kTenant); });
  ASSERT_TRUE(tenant);
  EXPECT_EQ(k.generation, tenant->keyset_generation);
  EXPECT_GT(k.generation, 0);
}

TEST_F(TenantKeysTest, SelfSignedCertificateIsForTokenSigningOnly) {
  create_key(crypto::KeyType::kRsa2048);
  auto keys = loader_->load(kTenant);
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ((*keys)->active().algorithm, "rsa-sha256");
  auto info = crypto::describe((*keys)->active().cert.get());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "CN=vsphere.local token signing");
  EXPECT_EQ(info->issuer, info->subject);
  EXPECT_FALSE(info->is_ca);
  crypto::KeyUsage signing_only;
  signing_only.digital_signature = true;
  EXPECT_EQ(info->key_usage, signing_only);
  EXPECT_EQ(info->not_before, kT0 - 600s) << "backdated by the tenant's clock tolerance";
  EXPECT_EQ(info->not_after, kT0 + kValidity);
  EXPECT_EQ((*keys)->active().not_after, kT0 + kValidity);
}

TEST_F(TenantKeysTest, RotatedOutKeysStayVerifyingAfterTheActiveOne) {
  const std::string k1 = create_key();
  clock_.advance(1h);
  const std::string k2 = create_key();
  clock_.advance(1h);
  const std::string k3 = create_key();
  auto keys = loader_->load(kTenant);
  ASSERT_TRUE(keys) << keys.error();
  const auto& v = (*keys)->verifying;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].key_id, k3);
  EXPECT_EQ(v[0].state, "active");
  EXPECT_EQ(v[1].key_id, k2);
  EXPECT_EQ(v[1].state, "verify-only");
  EXPECT_EQ(v[2].key_id, k1);
  EXPECT_EQ(v[2].state, "verify-only");
  // max HoK lifetime (30 days) x (10 renewals + 1) + 600 s tolerance after the rotation.
  EXPECT_EQ(v[2].verify_until, kT0 + 1h + std::chrono::hours(24 * 30) * 11 + 600s);
  EXPECT_TRUE(crypto::key_matches_certificate((*keys)->active_private_key.get(), v[0].cert.get()));
}

TEST_F(TenantKeysTest, KeyPastVerifyUntilIsLeftOutBeforeAnyWriterRetiresIt) {
  const std::string k1 = create_key();
  clock_.advance(1h);
  const std::string k2 = create_key();
  SigningKeyLoader loader(*pool_, master_key_, log_->logger(), clock_);
  const TimePoint verify_until = kT0 + 1h + std::chrono::hours(24 * 30) * 11 + 600s;
  clock_.set(verify_until - 1s);
  auto before = loader.load(kTenant);
  ASSERT_TRUE(before) << before.error();
  EXPECT_EQ((*before)->verifying.size(), 2u);
  clock_.set(verify_until);
  auto after = loader.load(kTenant);
  ASSERT_TRUE(after) << after.error();
  ASSERT_EQ((*after)->verifying.size(), 1u);
  EXPECT_EQ((*after)->active().key_id, k2);
  // The next change retires it for good, audited.
  clock_.advance(1s);
  const std::string k3 = create_key();
  auto state = db::transact(*pool_, "state", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
    return tx.exec_params1("SELECT state FROM signing_keys WHERE key_id = $1", k1)[0]
        .as<std::string>();
  });
  ASSERT_TRUE(state) << state.error();
  EXPECT_EQ(*state, "retired");
  EXPECT_NE(k3, k2);
}

TEST_F(TenantKeysTest, WrongMasterKeyIsDecryptFailedNamingTheNeededKey) {
  create_key();
  const crypto::MasterKey other = crypto::MasterKey::generate().value();
  SigningKeyLoader loader(*pool_, other, log_->logger());
  auto keys = loader.load(kTenant);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, Errc::kDecryptFailed);
  EXPECT_NE(keys.error().message.find(master_key_.id()), std::string::npos) << keys.error();
  EXPECT_NE(log_text().find("level=error event=keys.wrong_master_key"), std::string::npos);
}

TEST_F(TenantKeysTest, CiphertextMovedOntoAnotherKeyIdIsRefused) {
  const std::string k1 = create_key();
  clock_.advance(1h);
  const std::string k2 = create_key();
  exec(
      "UPDATE signing_keys SET private_key_ciphertext = (SELECT private_key_ciphertext FROM "
      "signing_keys WHERE key_id = '" +
      k1 + "') WHERE key_id = '" + k2 + "'");
  auto keys = loader_->load(kTenant);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, Errc::kDecryptFailed);
  EXPECT_NE(log_text().find("event=keys.open_failed"), std::string::npos);
}

TEST_F(TenantKeysTest, KeyThatDoesNotMatchItsCertificateIsRefused) {
  const std::string k1 = create_key();
  auto stranger = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(stranger);
  auto sealed =
      crypto::seal_private_key(master_key_, stranger->get(), "tenant=vsphere.local;key=" + k1);
  ASSERT_TRUE(sealed);
  exec("UPDATE signing_keys SET private_key_ciphertext = '" + *sealed + "' WHERE key_id = '" + k1 +
       "'");
  auto keys = loader_->load(kTenant);
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, Errc::kInternal);
  EXPECT_NE(keys.error().message.find("does not match its certificate"), std::string::npos)
      << keys.error();
  EXPECT_NE(log_text().find("level=error event=keys.self_check_failed"), std::string::npos);
}

TEST_F(TenantKeysTest, EnvelopeAadIsTenantNameAndKeyId) {
  EXPECT_EQ(signing_key_aad("vsphere.local", "sk-0123"), "tenant=vsphere.local;key=sk-0123");
  const std::string k1 = create_key();
  auto keys = loader_->load(kTenant);
  ASSERT_TRUE(keys) << keys.error();
  auto ciphertext =
      db::transact(*pool_, "read", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
        return tx
            .exec_params1("SELECT private_key_ciphertext FROM signing_keys WHERE key_id = $1",
                          k1)[0]
            .as<std::string>();
      });
  ASSERT_TRUE(ciphertext);
  EXPECT_TRUE(crypto::open_private_key(master_key_, *ciphertext, "tenant=vsphere.local;key=" + k1));
  EXPECT_FALSE(crypto::open_private_key(master_key_, *ciphertext, "tenant=other;key=" + k1));
}

TEST_F(TenantKeysTest, VerifyOnlyKeyWithUnreadableCertificateIsLeftOut) {
  const std::string k1 = create_key();
  clock_.advance(1h);
  const std::string k2 = create_key();
  exec("UPDATE signing_keys SET certificate_chain_pem = 'garbage' WHERE key_id = '" + k1 + "'");
  auto keys = loader_->load(kTenant);
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ((*keys)->verifying.size(), 1u);
  EXPECT_EQ((*keys)->active().key_id, k2);
  EXPECT_NE(log_text().find("event=keys.unreadable_certificate"), std::string::npos);
}

TEST_F(TenantKeysTest, TenantWithoutActiveKeyIsKeyNotFoundAndUnknownTenantNotFound) {
  auto none = loader_->load(kTenant);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kKeyNotFound);
  auto unknown = loader_->load("nowhere.example");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
}

TEST_F(TenantKeysTest, WriterRefusesATenantIdThatIsNotTheNamedTenant) {
  auto r = db::transact(*pool_, "create key", [&](pqxx::dbtransaction& tx) {
    return create_self_signed_signing_key(tx, tenant_id_ + 1, kTenant, master_key_,
                                          crypto::KeyType::kEcdsaP256, clock_, kValidity);
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  auto unknown = db::transact(*pool_, "create key", [&](pqxx::dbtransaction& tx) {
    return create_self_signed_signing_key(tx, tenant_id_, "nowhere.example", master_key_,
                                          crypto::KeyType::kEcdsaP256, clock_, kValidity);
  });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace sigil::sts::keys
