#include "certmgr/peers/peer_trust.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::certmgr::peers {
namespace {

// The CA certificates of a bundle (the anchors for client authentication).
Result<std::vector<crypto::X509Ptr>> ca_certificates(std::string_view bundle_pem) {
  SIGIL_TRY(std::vector<crypto::X509Ptr> all, crypto::parse_certificate_bundle(bundle_pem));
  std::vector<crypto::X509Ptr> cas;
  for (crypto::X509Ptr& c : all) {
    SIGIL_TRY(crypto::CertInfo info, crypto::describe(c.get()));
    if (info.is_ca) cas.push_back(std::move(c));
  }
  return cas;
}

}  // namespace

Result<void> check_trust_bundle(std::string_view pem) {
  auto all = crypto::parse_certificate_bundle(pem);
  if (!all) {
    return fail(Errc::kInvalidArgument,
                "the peer's trust bundle holds no PEM certificate (use the file `sigilctl peer "
                "identity --out FILE` wrote on the peer)");
  }
  SIGIL_TRY(std::vector<crypto::X509Ptr> cas, ca_certificates(pem));
  if (cas.empty()) {
    return fail(Errc::kInvalidArgument,
                "the peer's trust bundle has no CA certificate (the peer's deployment CA is "
                "needed to authenticate its certmgr)");
  }
  return {};
}

Result<void> verify_peer_client(X509* client, std::string_view bundle_pem, TimePoint at) {
  SIGIL_TRY(std::vector<crypto::X509Ptr> cas, ca_certificates(bundle_pem));
  if (cas.empty()) return fail(Errc::kAuthFailed, "the peer's trust bundle has no CA");
  SIGIL_TRY_VOID(crypto::verify_chain(client, {}, cas, at));
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(client));
  if (!info.extended_key_usage || !info.extended_key_usage->client_auth) {
    return fail(Errc::kAuthFailed, "the peer certificate is not for client authentication");
  }
  return {};
}

Result<std::string> sign_body(EVP_PKEY* key, std::string_view body) {
  SIGIL_TRY(std::vector<std::uint8_t> sig,
            crypto::sign(key, crypto::Digest::kSha256, crypto::bytes_of(body)));
  return crypto::base64_encode(sig);
}

Result<void> verify_body(X509* cert, std::string_view body, std::string_view signature_b64) {
  auto sig = crypto::base64_decode(signature_b64);
  if (!sig) return fail(Errc::kSignatureInvalid, "the record signature is not base64");
  crypto::EvpPkeyPtr key(X509_get_pubkey(cert));
  if (!key) return fail(Errc::kSignatureInvalid, "the signer certificate has no usable key");
  auto ok = crypto::verify(key.get(), crypto::Digest::kSha256, crypto::bytes_of(body), *sig);
  if (!ok) return fail(Errc::kSignatureInvalid, "the record signature does not verify");
  return {};
}

PeerIdentity::PeerIdentity(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                           const Clock& clock, ca::CaOptions ca_options, std::string hostname)
    : pool_(pool),
      master_key_(master_key),
      clock_(clock),
      ca_options_(std::move(ca_options)),
      hostname_(std::move(hostname)) {}

std::shared_ptr<const ClientCredential> PeerIdentity::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<void> PeerIdentity::refresh() {
  const TimePoint now = clock_.now();
  if (auto cur = current()) {
    if (now < cur->not_after - (cur->not_after - cur->not_before) / 3) return {};
  }
  SIGIL_TRY(ca::BuiltinCa ca, db::transact(pool_, "peer.identity", [&](pqxx::dbtransaction& tx) {
              return ca::ensure_ca(tx, master_key_, clock_, ca_options_, nullptr);
            }));
  auto cred = std::make_shared<ClientCredential>();
  SIGIL_TRY(cred->key, crypto::generate_key(crypto::KeyType::kEcdsaP256));
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(now);
  crypto::CertRequest req;
  std::string cn = "sigil-peer " + hostname_;
  if (cn.size() > 64) cn.resize(64);
  req.subject.common_name = cn;
  req.subject.organization = "Sigil";
  req.subject_key = cred->key.get();
  req.issuer_key = ca.key.get();
  req.issuer_cert = ca.cert.get();
  req.not_before = std::max(start - ca::kBackdate, ca.not_before);
  req.not_after = std::min(start + kClientCertValidity, ca.not_after);
  req.key_usage.digital_signature = true;
  crypto::ExtendedKeyUsage eku;
  eku.client_auth = true;
  req.extended_key_usage = eku;
  SIGIL_TRY(cred->cert, crypto::issue_certificate(req));
  SIGIL_TRY(cred->certificate_pem, crypto::write_certificate_pem(cred->cert.get()));
  SIGIL_TRY(cred->key_pem, crypto::write_private_key_pem(cred->key.get()));
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cred->cert.get()));
  cred->certificate_der_b64 = crypto::base64_encode(der);
  cred->not_before = req.not_before;
  cred->not_after = req.not_after;
  std::lock_guard lock(mu_);
  current_ = std::move(cred);
  return {};
}

}  // namespace sigil::certmgr::peers
