// create_self_signed_signing_key: the writer side of tenant_keys.hpp, used by the CLI and the
// quickstart until certmgr issues signing certificates.

#include <utility>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/signing_key_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sts/keys/tenant_keys.hpp"

namespace sigil::sts::keys {
namespace {

constexpr std::string_view kCnSuffix = " token signing";
constexpr std::size_t kMaxCommonName = 64;

struct SelfSigned {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
};

Result<SelfSigned> make_self_signed(std::string_view tenant, crypto::KeyType type,
                                    TimePoint not_before, TimePoint not_after) {
  SelfSigned out;
  SIGIL_TRY(out.key, crypto::generate_key(type));
  crypto::CertRequest req;
  req.subject.common_name =
      std::string(tenant.substr(0, kMaxCommonName - kCnSuffix.size())) + std::string(kCnSuffix);
  req.subject_key = out.key.get();
  req.issuer_key = out.key.get();
  req.not_before = not_before;
  req.not_after = not_after;
  req.is_ca = false;
  req.key_usage.digital_signature = true;
  SIGIL_TRY(out.cert, crypto::issue_certificate(req));
  return out;
}

std::string algorithm_of(crypto::KeyType type) {
  return type == crypto::KeyType::kEcdsaP256 ? "ecdsa-sha256" : "rsa-sha256";
}

// Until when a key retired now must still verify: the longest-lived token it may have
// signed, renewed as often as allowed, plus clock tolerance.
TimePoint verify_until(const db::TenantRow& tenant, TimePoint now) {
  const auto& p = tenant.policy;
  return now + std::chrono::seconds(p.max_hok_lifetime_s) * (p.max_renew_count + 1) +
         std::chrono::seconds(p.clock_tolerance_s);
}

}  // namespace

Result<std::string> create_self_signed_signing_key(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                                                   std::string_view tenant_name,
                                                   const crypto::MasterKey& master_key,
                                                   crypto::KeyType type, const Clock& clock,
                                                   std::chrono::hours validity) {
  SIGIL_TRY(db::TenantRow tenant, db::TenantStore(tx).find(tenant_name));
  if (tenant.id != tenant_id) {
    return fail(Errc::kInvalidArgument, "tenant id does not match tenant " + tenant.name);
  }
  const TimePoint now = clock.now();
  const TimePoint not_before = now - std::chrono::seconds(tenant.policy.clock_tolerance_s);
  SIGIL_TRY(SelfSigned made, make_self_signed(tenant.name, type, not_before, now + validity));
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(made.cert.get()));
  const std::string sha256_hex = crypto::hex_encode(crypto::sha256(der));

  db::NewSigningKey key;
  key.tenant_id = tenant.id;
  key.key_id = "sk-" + sha256_hex.substr(0, 16);
  key.source = db::SigningKeySource::kBuiltinCa;
  key.algorithm = algorithm_of(type);
  SIGIL_TRY(key.certificate_chain_pem, crypto::write_certificate_pem(made.cert.get()));
  key.certificate_sha256 = sha256_hex;
  SIGIL_TRY(key.private_key_ciphertext,
            crypto::seal_private_key(master_key, made.key.get(),
                                     signing_key_aad(tenant.name, key.key_id)));
  key.master_key_id = master_key.id();
  key.not_before = not_before;
  key.not_after = now + validity;
  SIGIL_TRY(db::SigningKeyRow row,
            db::SigningKeyStore(tx).insert_active(key, now, verify_until(tenant, now)));
  return row.key_id;
}

}  // namespace sigil::sts::keys
