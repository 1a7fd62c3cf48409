#include "sigil/keys/sealed_key.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::keys {

std::string signing_key_aad(std::string_view tenant, std::string_view key_id) {
  return "tenant=" + std::string(tenant) + ";key=" + std::string(key_id);
}

Result<SealedSigningKey> seal_signing_key(std::string_view tenant, EVP_PKEY* key,
                                          std::span<X509* const> chain,
                                          const crypto::MasterKey& master_key) {
  if (chain.empty() || chain.front() == nullptr) {
    return fail(Errc::kInvalidArgument, "a signing key needs its certificate");
  }
  if (!crypto::key_matches_certificate(key, chain.front())) {
    return fail(Errc::kInvalidArgument, "the private key does not match the certificate");
  }
  SealedSigningKey out;
  const crypto::KeyInfo info = crypto::describe(key);
  if (info.algorithm == crypto::KeyAlgorithm::kRsa) {
    out.algorithm = "rsa-sha256";
  } else if (info.algorithm == crypto::KeyAlgorithm::kEc) {
    out.algorithm = "ecdsa-sha256";
  } else {
    return fail(Errc::kUnsupportedAlgorithm, "signing keys must be RSA or ECDSA");
  }
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(chain.front()));
  out.certificate_sha256 = crypto::hex_encode(crypto::sha256(der));
  out.key_id = "sk-" + out.certificate_sha256.substr(0, 16);
  for (X509* cert : chain) {
    SIGIL_TRY(std::string pem, crypto::write_certificate_pem(cert));
    out.certificate_chain_pem += pem;
  }
  SIGIL_TRY(crypto::CertInfo leaf, crypto::describe(chain.front()));
  out.not_before = leaf.not_before;
  out.not_after = leaf.not_after;
  SIGIL_TRY(out.private_key_ciphertext,
            crypto::seal_private_key(master_key, key, signing_key_aad(tenant, out.key_id)));
  out.master_key_id = master_key.id();
  return out;
}

}  // namespace sigil::keys
