// PKCS#10 certificate signing requests (declared in x509.hpp).
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

#include "bio_util.hpp"
#include "x509_util.hpp"

namespace sigil::crypto {
namespace {

constexpr long kCsrVersion1 = 0;  // PKCS#10 v1 is encoded as 0

// Requests the subjectAltName through the PKCS#9 extensionRequest attribute.
Result<void> add_requested_dns_names(X509_REQ* csr, std::span<const std::string> dns_names) {
  if (dns_names.empty()) return {};
  SIGIL_TRY(GeneralNamesPtr names, detail::build_dns_names(dns_names));
  X509ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!exts) return crypto_error("sk_X509_EXTENSION_new_null");
  X509ExtensionPtr san(X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get()));
  if (!san) return crypto_error("X509V3_EXT_i2d");
  if (sk_X509_EXTENSION_push(exts.get(), san.get()) == 0) return crypto_error("sk_push");
  (void)san.release();  // sk_X509_EXTENSION_push took ownership
  if (X509_REQ_add_extensions(csr, exts.get()) != 1) return crypto_error("X509_REQ_add_extensions");
  return {};
}

Result<std::vector<std::string>> requested_dns_names(X509_REQ* csr) {
  X509ExtensionStackPtr exts(X509_REQ_get_extensions(csr));
  if (!exts) return std::vector<std::string>{};
  int critical = 0;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    if (critical == -1) return std::vector<std::string>{};
    return crypto_error("unreadable requested subjectAltName", Errc::kMalformedRequest);
  }
  return detail::dns_names_of(names.get());
}

}  // namespace

Result<X509ReqPtr> make_csr(EVP_PKEY* key, const DistinguishedName& subject,
                            std::span<const std::string> dns_names) {
  if (key == nullptr) return fail(Errc::kInvalidArgument, "a CSR needs a key");
  SIGIL_TRY(X509NamePtr name, detail::build_name(subject));
  X509ReqPtr csr(X509_REQ_new());
  if (!csr) return crypto_error("X509_REQ_new");
  if (X509_REQ_set_version(csr.get(), kCsrVersion1) != 1 ||
      X509_REQ_set_subject_name(csr.get(), name.get()) != 1 ||
      X509_REQ_set_pubkey(csr.get(), key) != 1) {
    return crypto_error("filling in the CSR");
  }
  SIGIL_TRY_VOID(add_requested_dns_names(csr.get(), dns_names));
  if (X509_REQ_sign(csr.get(), key, EVP_sha256()) <= 0) return crypto_error("signing the CSR");
  return csr;
}

Result<std::string> write_csr_pem(X509_REQ* csr) {
  SIGIL_TRY(BioPtr bio, detail::write_bio());
  if (PEM_write_bio_X509_REQ(bio.get(), csr) != 1) return crypto_error("PEM_write_bio_X509_REQ");
  return std::string(detail::bio_contents(bio.get()));
}

Result<X509ReqPtr> parse_csr_pem(std::string_view pem) {
  SIGIL_TRY(BioPtr bio, detail::read_bio(pem));
  X509ReqPtr csr(
      PEM_read_bio_X509_REQ(bio.get(), nullptr, detail::no_passphrase_callback, nullptr));
  if (!csr) return crypto_error("not a PEM certificate request", Errc::kMalformedRequest);
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr.get());
  if (key == nullptr) return crypto_error("the CSR has no usable key", Errc::kMalformedRequest);
  if (X509_REQ_verify(csr.get(), key) != 1) {
    return crypto_error("the CSR signature does not verify", Errc::kSignatureInvalid);
  }
  return csr;
}

Result<CsrInfo> describe(X509_REQ* csr) {
  CsrInfo info;
  SIGIL_TRY(info.subject, detail::name_to_string(X509_REQ_get_subject_name(csr)));
  SIGIL_TRY(info.dns_names, requested_dns_names(csr));
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr);
  if (key == nullptr) return crypto_error("the CSR has no usable key", Errc::kMalformedRequest);
  info.key_description = describe(key).description;
  return info;
}

}  // namespace sigil::crypto
