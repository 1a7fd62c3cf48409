// make_self_signed_signing_key and create_self_signed_signing_key: the writer side of
// tenant_keys.hpp, used by sigilctl and the quickstart until certmgr's built-in CA issues
// signing certificates.

#include <array>
#include <utility>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/key_set_store.hpp"
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

}  // namespace

Result<db::NewSigningKey> make_self_signed_signing_key(std::string_view tenant_name,
                                                       const crypto::MasterKey& master_key,
                                                       crypto::KeyType type, TimePoint now,
                                                       std::chrono::seconds backdate,
                                                       std::chrono::hours validity) {
  const TimePoint not_before = now - backdate;
  SIGIL_TRY(SelfSigned made, make_self_signed(tenant_name, type, not_before, now + validity));
  std::array<X509*, 1> chain{made.cert.get()};
  SIGIL_TRY(sigil::keys::SealedSigningKey sealed,
            sigil::keys::seal_signing_key(tenant_name, made.key.get(), chain, master_key));
  return db::new_signing_key(sealed, db::SigningKeySource::kBuiltinCa);
}

Result<std::string> create_self_signed_signing_key(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                                                   std::string_view tenant_name,
                                                   const crypto::MasterKey& master_key,
                                                   crypto::KeyType type, const Clock& clock,
                                                   std::chrono::hours validity,
                                                   std::string_view actor) {
  SIGIL_TRY(db::TenantRow tenant, db::TenantStore(tx).find(tenant_name));
  if (tenant.id != tenant_id) {
    return fail(Errc::kInvalidArgument, "tenant id does not match tenant " + tenant.name);
  }
  const TimePoint now = clock.now();
  SIGIL_TRY(db::NewSigningKey key,
            make_self_signed_signing_key(tenant.name, master_key, type, now,
                                         std::chrono::seconds(tenant.policy.clock_tolerance_s),
                                         validity));
  SIGIL_TRY(db::KeySetChange change,
            db::KeySetStore(tx, std::string(actor)).rotate(tenant.name, std::move(key), now));
  if (!change.activated) return fail(Errc::kInternal, "rotation activated no key");
  return std::move(change.activated).value();
}

}  // namespace sigil::sts::keys
