// issue_certificate (declared in x509.hpp).
#include <string>

#include <openssl/x509v3.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

#include "x509_util.hpp"

namespace sigil::crypto {
namespace {

constexpr int kSerialBits = 128;

Result<void> check_request(const CertRequest& r) {
  if (r.subject_key == nullptr || r.issuer_key == nullptr) {
    return fail(Errc::kInvalidArgument, "a certificate needs a subject key and an issuer key");
  }
  if (r.not_after <= r.not_before) {
    return fail(Errc::kInvalidTimeRange, "certificate not_after must be later than not_before");
  }
  if (r.issuer_cert == nullptr) {
    if (EVP_PKEY_eq(r.subject_key, r.issuer_key) != 1) {
      return crypto_error("a self-signed certificate must be signed with its own key",
                          Errc::kInvalidArgument);
    }
    return {};
  }
  if (!key_matches_certificate(r.issuer_key, r.issuer_cert)) {
    return fail(Errc::kInvalidArgument, "the issuer key does not match the issuer certificate");
  }
  if (X509_check_ca(r.issuer_cert) != 1) {
    return fail(Errc::kInvalidArgument, "the issuer certificate is not a CA certificate");
  }
  return {};
}

// A random positive serial of kSerialBits bits (RFC 5280 allows up to 20 octets).
Result<void> set_random_serial(X509* cert) {
  BignumPtr bn(BN_new());
  if (!bn) return crypto_error("BN_new");
  do {
    if (BN_rand(bn.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
      return crypto_error("BN_rand");
    }
  } while (BN_is_zero(bn.get()));
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial || X509_set_serialNumber(cert, serial.get()) != 1) {
    return crypto_error("setting the serial number");
  }
  return {};
}

std::string key_usage_value(const KeyUsage& ku) {
  std::string v;
  auto add = [&v](bool on, const char* name) {
    if (!on) return;
    v += v.empty() ? "critical," : ",";
    v += name;
  };
  add(ku.digital_signature, "digitalSignature");
  add(ku.non_repudiation, "nonRepudiation");
  add(ku.key_encipherment, "keyEncipherment");
  add(ku.data_encipherment, "dataEncipherment");
  add(ku.key_agreement, "keyAgreement");
  add(ku.key_cert_sign, "keyCertSign");
  add(ku.crl_sign, "cRLSign");
  return v;
}

std::string extended_key_usage_value(const ExtendedKeyUsage& eku) {
  std::string v;
  if (eku.server_auth) v = "serverAuth";
  if (eku.client_auth) v += v.empty() ? "clientAuth" : ",clientAuth";
  return v;
}

// Adds one extension from a fixed configuration string (never from request data).
Result<void> add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  if (value.empty()) return {};
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return crypto_error(std::string("adding extension ") + OBJ_nid2sn(nid));
  }
  return {};
}

Result<void> add_extensions(X509* cert, const CertRequest& r) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, r.issuer_cert != nullptr ? r.issuer_cert : cert, cert, nullptr, nullptr, 0);
  SIGIL_TRY_VOID(add_extension(cert, &ctx, NID_basic_constraints,
                               r.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  SIGIL_TRY_VOID(add_extension(cert, &ctx, NID_key_usage, key_usage_value(r.key_usage)));
  if (r.extended_key_usage) {
    SIGIL_TRY_VOID(add_extension(cert, &ctx, NID_ext_key_usage,
                                 extended_key_usage_value(*r.extended_key_usage)));
  }
  // The subject key identifier must exist before a self-signed AKI can copy it.
  SIGIL_TRY_VOID(add_extension(cert, &ctx, NID_subject_key_identifier, "hash"));
  SIGIL_TRY_VOID(add_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (r.dns_names.empty()) return {};
  SIGIL_TRY(GeneralNamesPtr names, detail::build_dns_names(r.dns_names));
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return crypto_error("adding extension subjectAltName");
  }
  return {};
}

Result<void> set_names_and_validity(X509* cert, const CertRequest& r) {
  SIGIL_TRY(X509NamePtr subject, detail::build_name(r.subject));
  SIGIL_TRY(Asn1TimePtr not_before, detail::to_asn1_time(r.not_before));
  SIGIL_TRY(Asn1TimePtr not_after, detail::to_asn1_time(r.not_after));
  X509_NAME* issuer =
      r.issuer_cert != nullptr ? X509_get_subject_name(r.issuer_cert) : subject.get();
  if (X509_set_version(cert, X509_VERSION_3) != 1 ||
      X509_set_subject_name(cert, subject.get()) != 1 || X509_set_issuer_name(cert, issuer) != 1 ||
      X509_set1_notBefore(cert, not_before.get()) != 1 ||
      X509_set1_notAfter(cert, not_after.get()) != 1 || X509_set_pubkey(cert, r.subject_key) != 1) {
    return crypto_error("filling in the certificate");
  }
  return {};
}

}  // namespace

Result<X509Ptr> issue_certificate(const CertRequest& request) {
  SIGIL_TRY_VOID(check_request(request));
  X509Ptr cert(X509_new());
  if (!cert) return crypto_error("X509_new");
  SIGIL_TRY_VOID(set_names_and_validity(cert.get(), request));
  SIGIL_TRY_VOID(set_random_serial(cert.get()));
  SIGIL_TRY_VOID(add_extensions(cert.get(), request));
  if (X509_sign(cert.get(), request.issuer_key, EVP_sha256()) <= 0) {
    return crypto_error("signing the certificate");
  }
  return cert;
}

}  // namespace sigil::crypto
