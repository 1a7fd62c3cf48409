// Import checks of a third-party signing key + certificate (+ chain): one test per reason.

#include "sigil/keys/import_check.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <gtest/gtest.h>

#include "sigil/crypto/keys.hpp"

namespace sigil::keys {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));

crypto::EvpPkeyPtr gen(crypto::KeyType type) { return crypto::generate_key(type).value(); }

struct Issued {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string cert_pem;
  std::string key_pem;
};

crypto::KeyUsage signing_usage() {
  crypto::KeyUsage u;
  u.digital_signature = true;
  return u;
}

crypto::KeyUsage ca_usage(bool digital_signature) {
  crypto::KeyUsage u;
  u.digital_signature = digital_signature;
  u.key_cert_sign = true;
  u.crl_sign = true;
  return u;
}

struct CertSpec {
  std::string cn = "vsphere.local token signing";
  TimePoint not_before = kNow - 24h;
  TimePoint not_after = kNow + 24h * 3650;
  bool is_ca = false;
  crypto::KeyUsage usage = signing_usage();
  EVP_PKEY* issuer_key = nullptr;
  X509* issuer_cert = nullptr;
};

Issued issue(crypto::EvpPkeyPtr key, const CertSpec& spec) {
  crypto::CertRequest req;
  req.subject.common_name = spec.cn;
  req.subject_key = key.get();
  req.not_before = spec.not_before;
  req.not_after = spec.not_after;
  req.is_ca = spec.is_ca;
  req.key_usage = spec.usage;
  req.issuer_key = spec.issuer_key != nullptr ? spec.issuer_key : key.get();
  req.issuer_cert = spec.issuer_cert;
  Issued out;
  auto cert = crypto::issue_certificate(req);
  EXPECT_TRUE(cert) << cert.error();
  out.cert = std::move(cert).value();
  out.cert_pem = crypto::write_certificate_pem(out.cert.get()).value();
  out.key_pem = std::string(crypto::write_private_key_pem(key.get()).value().view());
  out.key = std::move(key);
  return out;
}

Issued ca(std::string cn, const Issued* parent = nullptr) {
  CertSpec spec;
  spec.cn = std::move(cn);
  spec.is_ca = true;
  spec.usage = ca_usage(false);
  if (parent != nullptr) {
    spec.issuer_key = parent->key.get();
    spec.issuer_cert = parent->cert.get();
  }
  return issue(gen(crypto::KeyType::kEcdsaP256), spec);
}

ImportReport run(const Issued& leaf, std::optional<std::string> chain = std::nullopt) {
  ImportInput in;
  in.certificate_pem = leaf.cert_pem;
  in.private_key_pem = leaf.key_pem;
  if (chain) in.chain_pem = *chain;
  return check_import(in, kNow);
}

CheckStatus status_of(const ImportReport& r, std::string_view name) {
  const ImportCheck* c = r.find(name);
  EXPECT_NE(c, nullptr) << name;
  return c == nullptr ? CheckStatus::kSkip : c->status;
}

std::string message_of(const ImportReport& r, std::string_view name) {
  const ImportCheck* c = r.find(name);
  return c == nullptr ? std::string() : c->message;
}

TEST(ImportCheck, GoodEcdsaCertificateWithChainPassesEveryCheck) {
  const Issued root = ca("Example Root");
  const Issued inter = ca("Example Issuing CA", &root);
  CertSpec spec;
  spec.issuer_key = inter.key.get();
  spec.issuer_cert = inter.cert.get();
  const Issued leaf = issue(gen(crypto::KeyType::kEcdsaP256), spec);
  auto r = run(leaf, inter.cert_pem + root.cert_pem);
  for (const auto& c : r.checks) {
    EXPECT_EQ(c.status, CheckStatus::kPass) << c.name << ": " << c.message;
  }
  EXPECT_EQ(r.checks.size(), 10u);
  EXPECT_FALSE(r.rejected());
  EXPECT_FALSE(r.needs_force());
  ASSERT_TRUE(r.info);
  EXPECT_EQ(r.info->subject, "CN=vsphere.local token signing");
  EXPECT_EQ(r.chain.size(), 2u);
  EXPECT_TRUE(r.key);
}

TEST(ImportCheck, SelfSignedRsaWithoutChainPassesAndSkipsOnlyTheChain) {
  const Issued leaf = issue(gen(crypto::KeyType::kRsa2048), CertSpec{});
  auto r = run(leaf);
  EXPECT_FALSE(r.rejected());
  EXPECT_EQ(status_of(r, "chain"), CheckStatus::kSkip);
  EXPECT_EQ(message_of(r, "chain"), "no chain given");
  EXPECT_EQ(status_of(r, "key-type"), CheckStatus::kPass);
}

TEST(ImportCheck, GarbageIsRejectedWithEveryDependentCheckSkipped) {
  ImportInput in;
  in.certificate_pem = "not a certificate";
  in.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto r = check_import(in, kNow);
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "certificate-pem"), CheckStatus::kFail);
  EXPECT_EQ(status_of(r, "key-pem"), CheckStatus::kFail);
  EXPECT_EQ(status_of(r, "key-matches"), CheckStatus::kSkip);
  EXPECT_EQ(status_of(r, "validity"), CheckStatus::kSkip);
  EXPECT_EQ(message_of(r, "validity"), "not checked: the certificate did not parse");
}

TEST(ImportCheck, EncryptedKeyIsRejectedWithAHowTo) {
  Issued leaf = issue(gen(crypto::KeyType::kEcdsaP256), CertSpec{});
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), leaf.key.get(), EVP_aes_128_cbc(), nullptr, 0,
                                          nullptr, const_cast<char*>("pw")),
            1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  leaf.key_pem.assign(data, static_cast<std::size_t>(n));
  auto r = run(leaf);
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "key-pem"), CheckStatus::kFail);
  EXPECT_NE(message_of(r, "key-pem").find("encrypted"), std::string::npos);
}

TEST(ImportCheck, KeyOfAnotherCertificateIsRejected) {
  Issued leaf = issue(gen(crypto::KeyType::kEcdsaP256), CertSpec{});
  const Issued other = issue(gen(crypto::KeyType::kEcdsaP256), CertSpec{});
  leaf.key_pem = other.key_pem;
  auto r = run(leaf);
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "key-matches"), CheckStatus::kFail);
  EXPECT_EQ(message_of(r, "key-matches"), "the private key does not belong to the certificate");
}

TEST(ImportCheck, SmallRsaKeyIsRejectedAndP384Accepted) {
  crypto::EvpPkeyPtr small(EVP_RSA_gen(1024));
  ASSERT_TRUE(small);
  auto r = run(issue(std::move(small), CertSpec{}));
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "key-type"), CheckStatus::kFail);
  EXPECT_NE(message_of(r, "key-type").find("RSA-1024 is not allowed"), std::string::npos)
      << message_of(r, "key-type");
  crypto::EvpPkeyPtr p384(EVP_EC_gen("P-384"));
  ASSERT_TRUE(p384);
  auto ok = run(issue(std::move(p384), CertSpec{}));
  EXPECT_EQ(status_of(ok, "key-type"), CheckStatus::kPass) << message_of(ok, "key-type");
}

TEST(ImportCheck, Ed25519KeyIsRejected) {
  crypto::EvpPkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  Issued leaf = issue(gen(crypto::KeyType::kEcdsaP256), CertSpec{});
  leaf.key_pem = std::string(crypto::write_private_key_pem(ed.get()).value().view());
  auto r = run(leaf);
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "key-pem"), CheckStatus::kPass);
  EXPECT_EQ(status_of(r, "key-type"), CheckStatus::kFail);
  EXPECT_NE(message_of(r, "key-type").find("ED25519 is not allowed"), std::string::npos)
      << message_of(r, "key-type");
}

TEST(ImportCheck, ExpiredCertificateIsRejected) {
  CertSpec spec;
  spec.not_before = kNow - 24h * 400;
  spec.not_after = kNow - 1s;
  auto r = run(issue(gen(crypto::KeyType::kEcdsaP256), spec));
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "validity"), CheckStatus::kFail);
  EXPECT_NE(message_of(r, "validity").find("expired at"), std::string::npos);
  EXPECT_EQ(status_of(r, "expiry-margin"), CheckStatus::kSkip);
}

TEST(ImportCheck, NotYetValidCertificateWarns) {
  CertSpec spec;
  spec.not_before = kNow + 24h;
  auto r = run(issue(gen(crypto::KeyType::kEcdsaP256), spec));
  EXPECT_FALSE(r.rejected());
  EXPECT_TRUE(r.needs_force());
  EXPECT_EQ(status_of(r, "validity"), CheckStatus::kWarn);
  EXPECT_NE(message_of(r, "validity").find("not valid before"), std::string::npos);
}

TEST(ImportCheck, CertificateWithoutDigitalSignatureIsRejected) {
  CertSpec spec;
  spec.usage = crypto::KeyUsage{};
  spec.usage.key_encipherment = true;
  auto r = run(issue(gen(crypto::KeyType::kRsa2048), spec));
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "key-usage"), CheckStatus::kFail);
  EXPECT_EQ(message_of(r, "key-usage"), "keyUsage lacks digitalSignature");
  spec.usage = crypto::KeyUsage{};  // no extension at all
  auto none = run(issue(gen(crypto::KeyType::kEcdsaP256), spec));
  EXPECT_EQ(status_of(none, "key-usage"), CheckStatus::kFail);
  EXPECT_NE(message_of(none, "key-usage").find("no keyUsage"), std::string::npos);
}

TEST(ImportCheck, CaCertificateIsRejected) {
  CertSpec spec;
  spec.is_ca = true;
  spec.usage = ca_usage(true);
  auto r = run(issue(gen(crypto::KeyType::kEcdsaP256), spec));
  EXPECT_TRUE(r.rejected());
  EXPECT_EQ(status_of(r, "not-ca"), CheckStatus::kFail);
  EXPECT_EQ(status_of(r, "key-usage"), CheckStatus::kPass);
}

TEST(ImportCheck, ChainThatDoesNotVerifyOrHasNoRootIsRejected) {
  const Issued root = ca("Example Root");
  const Issued inter = ca("Example Issuing CA", &root);
  const Issued stranger = ca("Stranger Root");
  CertSpec spec;
  spec.issuer_key = inter.key.get();
  spec.issuer_cert = inter.cert.get();
  const Issued leaf = issue(gen(crypto::KeyType::kEcdsaP256), spec);

  auto wrong_root = run(leaf, inter.cert_pem + stranger.cert_pem);
  EXPECT_TRUE(wrong_root.rejected());
  EXPECT_EQ(status_of(wrong_root, "chain"), CheckStatus::kFail);
  EXPECT_NE(message_of(wrong_root, "chain").find("does not verify"), std::string::npos)
      << message_of(wrong_root, "chain");

  auto no_root = run(leaf, inter.cert_pem);
  EXPECT_EQ(status_of(no_root, "chain"), CheckStatus::kFail);
  EXPECT_EQ(message_of(no_root, "chain"),
            "the chain does not end in a self-signed root certificate");

  auto garbage = run(leaf, std::string("nothing here"));
  EXPECT_EQ(status_of(garbage, "chain-pem"), CheckStatus::kFail);
  EXPECT_EQ(status_of(garbage, "chain"), CheckStatus::kSkip);
  EXPECT_TRUE(garbage.rejected());
}

TEST(ImportCheck, ShortRemainingValidityWarnsAndNeedsForce) {
  CertSpec spec;
  spec.not_after = kNow + 24h * 30;
  auto r = run(issue(gen(crypto::KeyType::kEcdsaP256), spec));
  EXPECT_FALSE(r.rejected());
  EXPECT_TRUE(r.needs_force());
  EXPECT_EQ(status_of(r, "expiry-margin"), CheckStatus::kWarn);
  EXPECT_NE(message_of(r, "expiry-margin").find("only 30 days left"), std::string::npos)
      << message_of(r, "expiry-margin");
  EXPECT_NE(message_of(r, "expiry-margin").find("--force"), std::string::npos);
  ImportPolicy lenient;
  lenient.min_remaining = 24h * 7;
  const Issued leaf = issue(gen(crypto::KeyType::kEcdsaP256), spec);
  ImportInput li;
  li.certificate_pem = leaf.cert_pem;
  li.private_key_pem = leaf.key_pem;
  EXPECT_FALSE(check_import(li, kNow, lenient).needs_force());
}

TEST(ImportCheck, StatusNamesAreStable) {
  EXPECT_EQ(status_name(CheckStatus::kPass), "pass");
  EXPECT_EQ(status_name(CheckStatus::kWarn), "warn");
  EXPECT_EQ(status_name(CheckStatus::kFail), "fail");
  EXPECT_EQ(status_name(CheckStatus::kSkip), "skip");
}

}  // namespace
}  // namespace sigil::keys
