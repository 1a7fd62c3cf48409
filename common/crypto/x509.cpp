#include "sigil/crypto/x509.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"

#include "bio_util.hpp"
#include "x509_util.hpp"

namespace sigil::crypto {
namespace {

// A PEM reader that reached the end of its input reports "no start line"; that ends a bundle.
bool only_end_of_pem_on_queue() {
  unsigned long err = ERR_peek_last_error();
  return ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
}

std::optional<KeyUsage> key_usage_of(X509* cert) {
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) == 0) return std::nullopt;
  std::uint32_t bits = X509_get_key_usage(cert);
  KeyUsage ku;
  ku.digital_signature = (bits & KU_DIGITAL_SIGNATURE) != 0;
  ku.non_repudiation = (bits & KU_NON_REPUDIATION) != 0;
  ku.key_encipherment = (bits & KU_KEY_ENCIPHERMENT) != 0;
  ku.data_encipherment = (bits & KU_DATA_ENCIPHERMENT) != 0;
  ku.key_agreement = (bits & KU_KEY_AGREEMENT) != 0;
  ku.key_cert_sign = (bits & KU_KEY_CERT_SIGN) != 0;
  ku.crl_sign = (bits & KU_CRL_SIGN) != 0;
  return ku;
}

std::optional<ExtendedKeyUsage> extended_key_usage_of(X509* cert) {
  if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0) return std::nullopt;
  std::uint32_t bits = X509_get_extended_key_usage(cert);
  return ExtendedKeyUsage{(bits & XKU_SSL_SERVER) != 0, (bits & XKU_SSL_CLIENT) != 0};
}

Result<std::string> fingerprint(X509* cert, const EVP_MD* md) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> buf{};
  unsigned int len = 0;
  if (X509_digest(cert, md, buf.data(), &len) != 1) return crypto_error("X509_digest");
  return fingerprint_hex(ByteView(buf.data(), len));
}

Result<std::string> serial_hex(X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return crypto_error("ASN1_INTEGER_to_BN", Errc::kMalformedRequest);
  OpensslStringPtr hex(BN_bn2hex(bn.get()));
  if (!hex) return crypto_error("BN_bn2hex");
  return std::string(hex.get());
}

Result<std::vector<std::string>> san_dns_names(X509* cert) {
  int critical = 0;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    if (critical == -1) return std::vector<std::string>{};  // no subjectAltName at all
    return crypto_error("unreadable subjectAltName extension", Errc::kMalformedRequest);
  }
  return detail::dns_names_of(names.get());
}

}  // namespace

Result<std::vector<X509Ptr>> parse_certificate_bundle(std::string_view pem) {
  SIGIL_TRY(BioPtr bio, detail::read_bio(pem));
  std::vector<X509Ptr> certs;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, detail::no_passphrase_callback, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  if (certs.empty() || !only_end_of_pem_on_queue()) {
    return crypto_error(certs.empty() ? "no PEM certificate found" : "invalid PEM certificate",
                        Errc::kMalformedRequest);
  }
  ERR_clear_error();  // just the end-of-input marker
  return certs;
}

Result<X509Ptr> parse_certificate_pem(std::string_view pem) {
  SIGIL_TRY(std::vector<X509Ptr> certs, parse_certificate_bundle(pem));
  if (certs.size() != 1) {
    return fail(Errc::kMalformedRequest, "expected one PEM certificate",
                "found " + std::to_string(certs.size()));
  }
  return std::move(certs.front());
}

Result<X509Ptr> parse_certificate_der(ByteView der) {
  if (der.size() > detail::kMaxEncodedInput) {
    return fail(Errc::kPayloadTooLarge, "certificate DER is too large");
  }
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return crypto_error("not a DER certificate", Errc::kMalformedRequest);
  if (p != der.data() + der.size()) {
    return fail(Errc::kMalformedRequest, "trailing bytes after the DER certificate");
  }
  return cert;
}

Result<std::string> write_certificate_pem(X509* cert) {
  SIGIL_TRY(BioPtr bio, detail::write_bio());
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return crypto_error("PEM_write_bio_X509");
  return std::string(detail::bio_contents(bio.get()));
}

Result<std::vector<std::uint8_t>> write_certificate_der(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return crypto_error("i2d_X509");
  std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  if (i2d_X509(cert, &out) != len) return crypto_error("i2d_X509");
  return der;
}

Result<CertInfo> describe(X509* cert) {
  CertInfo info;
  SIGIL_TRY(info.subject, detail::name_to_string(X509_get_subject_name(cert)));
  SIGIL_TRY(info.issuer, detail::name_to_string(X509_get_issuer_name(cert)));
  SIGIL_TRY(info.serial_hex, serial_hex(cert));
  SIGIL_TRY(info.not_before, detail::from_asn1_time(X509_get0_notBefore(cert)));
  SIGIL_TRY(info.not_after, detail::from_asn1_time(X509_get0_notAfter(cert)));
  SIGIL_TRY(info.sha256_fingerprint, fingerprint(cert, EVP_sha256()));
  SIGIL_TRY(info.sha1_fingerprint, fingerprint(cert, EVP_sha1()));
  info.is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
  info.key_usage = key_usage_of(cert);
  info.extended_key_usage = extended_key_usage_of(cert);
  SIGIL_TRY(info.dns_names, san_dns_names(cert));
  EVP_PKEY* key = X509_get0_pubkey(cert);
  info.key_description = key != nullptr ? describe(key).description : "unknown";
  ERR_clear_error();  // X509_get0_pubkey reports an unknown key type, which is only "unknown"
  return info;
}

}  // namespace sigil::crypto
