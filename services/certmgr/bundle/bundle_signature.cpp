// The CMS signature of a configuration bundle (bundle_signature.hpp).

#include "certmgr/bundle/bundle_signature.hpp"

#include <climits>

#include <openssl/cms.h>
#include <openssl/objects.h>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::certmgr::bundle {
namespace {

// A stack whose certificates are borrowed (CMS_get0_signers): frees the stack only.
inline void free_stack_only(STACK_OF(X509) * s) noexcept { sk_X509_free(s); }
using BorrowedX509StackPtr = std::unique_ptr<STACK_OF(X509), CDeleter<free_stack_only>>;

constexpr std::size_t kMaxInput = std::size_t{16} * 1024 * 1024;

Result<crypto::BioPtr> memory_bio(const void* data, std::size_t size) {
  if (size > kMaxInput) return fail(Errc::kPayloadTooLarge, "the bundle is too large");
  crypto::BioPtr bio(BIO_new_mem_buf(data, static_cast<int>(size)));
  if (!bio) return crypto::crypto_error("BIO_new_mem_buf");
  return bio;
}

Error does_not_verify(std::string detail) {
  return make_error(Errc::kSignatureInvalid,
                    "signature does not verify: the bundle was changed after it was signed, or "
                    "is not a Sigil bundle",
                    std::move(detail));
}

}  // namespace

Result<Signer> signer_of(X509* cert) {
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(cert));
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cert));
  Signer s;
  s.subject = info.subject;
  s.sha256_hex = crypto::hex_encode(crypto::sha256(der));
  s.sha256_fingerprint = info.sha256_fingerprint;
  s.not_after = format_rfc3339(info.not_after);
  return s;
}

Result<std::vector<std::uint8_t>> sign(std::string_view payload, EVP_PKEY* key, X509* cert,
                                       std::span<const crypto::X509Ptr> chain) {
  crypto::X509StackPtr extra(sk_X509_new_null());
  if (!extra) return crypto::crypto_error("sk_X509_new_null");
  for (const auto& c : chain) {
    if (X509_up_ref(c.get()) != 1) return crypto::crypto_error("X509_up_ref");
    crypto::X509Ptr owned(c.get());
    if (sk_X509_push(extra.get(), owned.get()) == 0) return crypto::crypto_error("sk_X509_push");
    (void)owned.release();  // sk_X509_push took ownership
  }
  const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  crypto::CmsPtr cms(CMS_sign(nullptr, nullptr, extra.get(), nullptr, flags));
  if (!cms) return crypto::crypto_error("CMS_sign");
  if (CMS_add1_signer(cms.get(), cert, key, EVP_sha256(), flags) == nullptr) {
    return crypto::crypto_error("CMS_add1_signer");
  }
  SIGIL_TRY(crypto::BioPtr data, memory_bio(payload.data(), payload.size()));
  if (CMS_final(cms.get(), data.get(), nullptr, flags) != 1) {
    return crypto::crypto_error("CMS_final");
  }
  const int len = i2d_CMS_ContentInfo(cms.get(), nullptr);
  if (len <= 0) return crypto::crypto_error("i2d_CMS_ContentInfo");
  std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_CMS_ContentInfo(cms.get(), &p) != len) return crypto::crypto_error("i2d_CMS_ContentInfo");
  return der;
}

Result<Signer> verify(std::string_view payload, std::span<const std::uint8_t> signature) {
  if (signature.size() > kMaxInput || payload.size() > kMaxInput) {
    return fail(Errc::kPayloadTooLarge, "the bundle is too large");
  }
  const unsigned char* p = signature.data();
  crypto::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(signature.size())));
  if (!cms || p != signature.data() + signature.size()) {
    return fail(Errc::kMalformedRequest, "the bundle's signature is not a DER CMS structure",
                crypto::drain_openssl_errors());
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return unexpected(does_not_verify("not a SignedData"));
  }
  if (CMS_is_detached(cms.get()) != 1) return unexpected(does_not_verify("content not detached"));
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1) {
    return unexpected(does_not_verify("not exactly one signer"));
  }
  X509_ALGOR* digest = nullptr;
  CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(infos, 0), nullptr, nullptr, &digest, nullptr);
  const ASN1_OBJECT* digest_oid = nullptr;
  if (digest != nullptr) X509_ALGOR_get0(&digest_oid, nullptr, nullptr, digest);
  if (digest_oid == nullptr || OBJ_obj2nid(digest_oid) != NID_sha256) {
    return unexpected(does_not_verify("digest is not SHA-256"));
  }
  SIGIL_TRY(crypto::BioPtr data, memory_bio(payload.data(), payload.size()));
  // The signer certificate comes from the SignedData itself; whether it is trusted is the
  // caller's decision (by fingerprint), so no chain is built here.
  crypto::X509StorePtr store(X509_STORE_new());
  if (!store) return crypto::crypto_error("X509_STORE_new");
  if (CMS_verify(cms.get(), nullptr, store.get(), data.get(), nullptr,
                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    return unexpected(does_not_verify(crypto::drain_openssl_errors()));
  }
  BorrowedX509StackPtr signers(CMS_get0_signers(cms.get()));
  if (!signers || sk_X509_num(signers.get()) != 1) {
    return unexpected(does_not_verify("no signer certificate"));
  }
  return signer_of(sk_X509_value(signers.get(), 0));
}

}  // namespace sigil::certmgr::bundle
