#include "certmgr/tls/self_signed.hpp"

namespace sigil::certmgr::tls {
namespace {
constexpr auto kBackdate = std::chrono::minutes(5);  // clients whose clock is a little behind
}  // namespace

Result<SelfSigned> make_self_signed(const SelfSignedRequest& request,
                                    const crypto::MasterKey& master_key, TimePoint now) {
  SIGIL_TRY(crypto::EvpPkeyPtr key, crypto::generate_key(request.key_type));
  crypto::CertRequest req;
  req.subject = request.subject;
  req.dns_names = request.dns_names;
  req.subject_key = key.get();
  req.issuer_key = key.get();
  req.not_before = now - kBackdate;
  req.not_after = now + request.validity;
  req.key_usage.digital_signature = true;
  req.key_usage.key_encipherment = request.key_type != crypto::KeyType::kEcdsaP256;
  req.extended_key_usage = crypto::ExtendedKeyUsage{.server_auth = true, .client_auth = false};
  auto cert = crypto::issue_certificate(req);
  if (!cert) {
    return fail(Errc::kMalformedRequest,
                "cannot make a self-signed certificate: " + cert.error().message,
                cert.error().detail);
  }
  SelfSigned out;
  SIGIL_TRY(out.info, crypto::describe(cert->get()));
  out.row.hostname = request.hostname;
  SIGIL_TRY(out.row.certificate_chain_pem, crypto::write_certificate_pem(cert->get()));
  SIGIL_TRY(out.row.private_key_ciphertext,
            crypto::seal_private_key(master_key, key.get(), db::server_cert_aad(request.hostname)));
  out.row.master_key_id = master_key.id();
  out.row.self_signed = true;
  out.row.not_before = out.info.not_before;
  out.row.not_after = out.info.not_after;
  return out;
}

}  // namespace sigil::certmgr::tls
