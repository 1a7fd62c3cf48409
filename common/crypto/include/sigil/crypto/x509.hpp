#pragma once
// X.509 certificates and PKCS#10 certificate signing requests: parse, write, describe, issue and
// verify chains.
//
// This is the certificate toolbox of certmgr's built-in CA and of the STS (its signing
// certificate, the trust anchors of admin and client certificates). Everything is explicit:
// validity comes from TimePoints the caller took from a Clock, and verify_chain checks at a
// caller-given time, so expiry is tested with a ManualClock and never by waiting.
//
// Issued certificates are X.509 v3, signed with SHA-256 (RSA PKCS#1 v1.5 or ECDSA), with a random
// positive 128-bit serial number, critical basicConstraints, critical keyUsage, optional
// extendedKeyUsage, DNS subjectAltNames and subject/authority key identifiers.
//
// Thread-safety: pure functions. An X509 may be read from several threads once built.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/handles.hpp"

namespace sigil::crypto {

/// The subject fields Sigil writes. Empty fields are left out; at least one must be set.
/// (The `{}` initializers let callers use designated initializers for just some fields.)
struct DistinguishedName {
  std::string common_name{};          // CN (at most 64 characters)
  std::string organization{};         // O
  std::string organizational_unit{};  // OU
  std::string country{};              // C: two letters, e.g. "US"
};

/// keyUsage bits (RFC 5280 section 4.2.1.3).
struct KeyUsage {
  bool digital_signature = false;
  bool non_repudiation = false;  // a.k.a. contentCommitment
  bool key_encipherment = false;
  bool data_encipherment = false;
  bool key_agreement = false;
  bool key_cert_sign = false;
  bool crl_sign = false;
  bool operator==(const KeyUsage&) const = default;
};

/// The extendedKeyUsage purposes Sigil issues.
struct ExtendedKeyUsage {
  bool server_auth = false;
  bool client_auth = false;
  bool operator==(const ExtendedKeyUsage&) const = default;
};

/// What a certificate says, for logs, the admin API and policy checks.
struct CertInfo {
  std::string subject;     // RFC 2253 one-line form, e.g. "CN=sts.example.com,O=Example,C=US"
  std::string issuer;      // same form
  std::string serial_hex;  // uppercase hex, no separators
  TimePoint not_before;
  TimePoint not_after;
  std::string sha256_fingerprint;     // "AB:CD:...", as `openssl x509 -fingerprint -sha256` prints
  std::string sha1_fingerprint;       // display only, for tools that still show SHA-1
  bool is_ca = false;                 // basicConstraints CA:TRUE
  std::optional<KeyUsage> key_usage;  // absent without a keyUsage extension
  std::optional<ExtendedKeyUsage> extended_key_usage;  // absent without extendedKeyUsage
  std::vector<std::string> dns_names;                  // subjectAltName dNSName entries
  std::string key_description;                         // "RSA-3072", "ECDSA-P256", ...
};

/// Exactly one PEM certificate; none or several is kMalformedRequest.
Result<X509Ptr> parse_certificate_pem(std::string_view pem);
/// One DER certificate with no trailing bytes.
Result<X509Ptr> parse_certificate_der(ByteView der);
/// Every certificate of a PEM bundle (a chain or a trust store), in order; text between blocks
/// is ignored. A bundle without certificates is kMalformedRequest.
Result<std::vector<X509Ptr>> parse_certificate_bundle(std::string_view pem);

Result<std::string> write_certificate_pem(X509* cert);
Result<std::vector<std::uint8_t>> write_certificate_der(X509* cert);

Result<CertInfo> describe(X509* cert);

/// Verifies that `leaf` chains to one of `roots` through `intermediates`, with every certificate
/// valid at `at`. Roots are trust anchors and must be self-signed (no partial chains); no
/// revocation checking is done here. Failure is kAuthFailed with OpenSSL's verify error in the
/// message, e.g. "certificate chain does not verify: certificate has expired (depth 0)".
Result<void> verify_chain(X509* leaf, std::span<const X509Ptr> intermediates,
                          std::span<const X509Ptr> roots, TimePoint at);

/// What to put into a new certificate (issue_certificate). Not to be confused with a PKCS#10
/// CSR, which is an X509_REQ (make_csr).
struct CertRequest {
  DistinguishedName subject;
  std::vector<std::string> dns_names;  // subjectAltName; "*.example.com" wildcards allowed
  EVP_PKEY* subject_key = nullptr;     // the key to certify; only its public half is used
  TimePoint not_before;
  TimePoint not_after;  // must be after not_before (else kInvalidTimeRange)
  bool is_ca = false;
  KeyUsage key_usage;  // all false: no keyUsage extension
  std::optional<ExtendedKeyUsage> extended_key_usage;
  EVP_PKEY* issuer_key = nullptr;  // signs the certificate (SHA-256)
  X509* issuer_cert = nullptr;     // nullptr: self-signed, and issuer_key must be subject_key
};

/// Builds and signs an X.509 v3 certificate. Bad requests are kInvalidArgument (missing keys,
/// an issuer key that does not match the issuer certificate, an issuer that is not a CA, an
/// invalid name or DNS name) or kInvalidTimeRange.
Result<X509Ptr> issue_certificate(const CertRequest& request);

/// A PKCS#10 request for `key`'s public half with `subject` and DNS subjectAltNames (requested
/// through the extensionRequest attribute), signed with SHA-256 by `key`.
Result<X509ReqPtr> make_csr(EVP_PKEY* key, const DistinguishedName& subject,
                            std::span<const std::string> dns_names);
Result<std::string> write_csr_pem(X509_REQ* csr);
/// Parses a PEM CSR and checks its self-signature (proof of possession of the key); a bad
/// signature is kSignatureInvalid.
Result<X509ReqPtr> parse_csr_pem(std::string_view pem);

/// What a CSR asks for.
struct CsrInfo {
  std::string subject;                 // RFC 2253
  std::vector<std::string> dns_names;  // requested subjectAltName dNSName entries
  std::string key_description;         // "RSA-3072", "ECDSA-P256", ...
};
Result<CsrInfo> describe(X509_REQ* csr);

}  // namespace sigil::crypto
