#include "sigil/ca/builtin_ca.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/ca_store.hpp"
#include "sigil/keys/sealed_key.hpp"

#include <array>

namespace sigil::ca {
namespace {

struct Encoded {
  std::string pem;
  std::string sha256;
};

Result<Encoded> encode(X509* cert) {
  Encoded e;
  SIGIL_TRY(e.pem, crypto::write_certificate_pem(cert));
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cert));
  e.sha256 = crypto::hex_encode(crypto::sha256(der));
  return e;
}

Result<BuiltinCa> open_ca(const db::CaRow& row, const crypto::MasterKey& master_key) {
  BuiltinCa ca;
  SIGIL_TRY(ca.cert, crypto::parse_certificate_pem(row.certificate_pem));
  auto key = crypto::open_private_key(master_key, row.private_key_ciphertext,
                                      ca_key_aad(row.certificate_sha256));
  if (!key) {
    return fail(key.error().code,
                "the built-in CA's key does not open with master key " + master_key.id() +
                    " (it was sealed with " + row.master_key_id + "): " + key.error().message);
  }
  ca.key = std::move(*key);
  if (!crypto::key_matches_certificate(ca.key.get(), ca.cert.get())) {
    return fail(Errc::kInternal, "the built-in CA's key does not match its certificate");
  }
  ca.certificate_pem = row.certificate_pem;
  ca.sha256 = row.certificate_sha256;
  ca.not_before = row.not_before;
  ca.not_after = row.not_after;
  return ca;
}

Result<BuiltinCa> create_ca(pqxx::dbtransaction& tx, const crypto::MasterKey& master_key,
                            const Clock& clock, const CaOptions& options) {
  BuiltinCa ca;
  SIGIL_TRY(ca.key, crypto::generate_key(options.key_type));
  const TimePoint now = std::chrono::floor<std::chrono::seconds>(clock.now());
  crypto::CertRequest req;
  req.subject.common_name = options.common_name;
  req.subject.organization = options.organization;
  req.subject_key = ca.key.get();
  req.issuer_key = ca.key.get();
  req.not_before = now - kBackdate;
  req.not_after = now + options.validity;
  req.is_ca = true;
  req.key_usage.key_cert_sign = true;
  req.key_usage.crl_sign = true;
  req.key_usage.digital_signature = true;
  SIGIL_TRY(ca.cert, crypto::issue_certificate(req));
  SIGIL_TRY(Encoded enc, encode(ca.cert.get()));
  ca.certificate_pem = enc.pem;
  ca.sha256 = enc.sha256;
  ca.not_before = req.not_before;
  ca.not_after = req.not_after;
  db::CaRow row;
  row.subject_dn = "CN=" + options.common_name + ",O=" + options.organization;
  row.certificate_pem = enc.pem;
  row.certificate_sha256 = enc.sha256;
  SIGIL_TRY(row.private_key_ciphertext,
            crypto::seal_private_key(master_key, ca.key.get(), ca_key_aad(enc.sha256)));
  row.master_key_id = master_key.id();
  row.not_before = ca.not_before;
  row.not_after = ca.not_after;
  SIGIL_TRY_VOID(db::CaStore(tx).insert_active(row));
  return ca;
}

}  // namespace

std::string ca_key_aad(std::string_view certificate_sha256) {
  return "ca=deployment;sha256=" + std::string(certificate_sha256);
}

Result<BuiltinCa> ensure_ca(pqxx::dbtransaction& tx, const crypto::MasterKey& master_key,
                            const Clock& clock, const CaOptions& options, bool* created) {
  db::CaStore store(tx);
  SIGIL_TRY_VOID(store.lock_creation());
  SIGIL_TRY(std::optional<db::CaRow> active, store.active());
  if (created != nullptr) *created = !active;
  if (active) return open_ca(*active, master_key);
  return create_ca(tx, master_key, clock, options);
}

Result<IssuedSigningCert> issue_signing_certificate(const BuiltinCa& ca,
                                                    const SigningCertRequest& request,
                                                    const Clock& clock) {
  IssuedSigningCert out;
  SIGIL_TRY(out.key, crypto::generate_key(request.key_type));
  const TimePoint now = std::chrono::floor<std::chrono::seconds>(clock.now());
  crypto::CertRequest req;
  std::string cn = request.tenant + " token signing";
  if (cn.size() > 64) cn.resize(64);
  req.subject.common_name = cn;
  req.subject.organization = "Sigil";
  req.subject_key = out.key.get();
  req.issuer_key = ca.key.get();
  req.issuer_cert = ca.cert.get();
  req.not_before = std::max(now - kBackdate, ca.not_before);
  req.not_after = std::min(now + request.validity, ca.not_after);
  req.key_usage.digital_signature = true;
  if (req.not_after <= req.not_before) {
    return fail(Errc::kInvalidTimeRange,
                "the built-in CA expires before a new signing certificate could start");
  }
  SIGIL_TRY(out.cert, crypto::issue_certificate(req));
  SIGIL_TRY(Encoded enc, encode(out.cert.get()));
  out.chain_pem = enc.pem + ca.certificate_pem;
  out.sha256 = enc.sha256;
  out.not_before = req.not_before;
  out.not_after = req.not_after;
  return out;
}

Result<db::NewSigningKey> new_signing_key(pqxx::dbtransaction& tx,
                                          const crypto::MasterKey& master_key, const Clock& clock,
                                          const CaOptions& ca_options,
                                          std::string_view tenant, std::int64_t tenant_id,
                                          crypto::KeyType key_type, std::chrono::hours validity) {
  SIGIL_TRY(BuiltinCa ca, ensure_ca(tx, master_key, clock, ca_options, nullptr));
  SigningCertRequest req;
  req.tenant = std::string(tenant);
  req.key_type = key_type;
  req.validity = validity;
  SIGIL_TRY(IssuedSigningCert issued, issue_signing_certificate(ca, req, clock));
  std::array<X509*, 2> chain{issued.cert.get(), ca.cert.get()};
  SIGIL_TRY(keys::SealedSigningKey sealed,
            keys::seal_signing_key(tenant, issued.key.get(), chain, master_key));
  return db::new_signing_key(sealed, db::SigningKeySource::kBuiltinCa, tenant_id);
}

}  // namespace sigil::ca
