#pragma once
// The signature of a configuration bundle (docs/bundles.md): a DER CMS SignedData (RFC 5652),
// detached, over the exact payload bytes, with SHA-256, one signer, and the signer's
// certificate and chain included. Made with OpenSSL's CMS, so `openssl cms -verify -binary
// -inform DER -content payload -noverify` checks it too.
//
// verify() proves that the payload bytes were signed by the private key of the certificate the
// SignedData names as its signer; it does NOT decide whether that signer is trusted (there is no
// CA for deployments): the caller compares the returned fingerprint with its trusted list. The
// signer certificate's validity dates are not checked either: trust is pinned by fingerprint,
// and a bundle may be imported long after it was made.
//
// Thread-safety: pure functions over their arguments.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"

namespace sigil::certmgr::bundle {

/// Who signed a bundle.
struct Signer {
  std::string subject;             ///< RFC 2253 one-line form
  std::string sha256_hex;          ///< lower-case hex of the certificate's DER (no colons)
  std::string sha256_fingerprint;  ///< "AB:CD:...", as `openssl x509 -fingerprint -sha256`
  std::string not_after;           ///< RFC 3339
};

/// Signs `payload` with `key`; `cert` is the signer certificate, `chain` its intermediates and
/// root (may be empty). The DER of the SignedData.
Result<std::vector<std::uint8_t>> sign(std::string_view payload, EVP_PKEY* key, X509* cert,
                                       std::span<const crypto::X509Ptr> chain);

/// Verifies `signature` over `payload`. kSignatureInvalid ("signature does not verify") when the
/// payload or the signature was changed, the SignedData is not detached, has other than exactly
/// one signer, or uses a digest other than SHA-256; kMalformedRequest when it is not DER CMS.
Result<Signer> verify(std::string_view payload, std::span<const std::uint8_t> signature);

/// Describes a certificate as a Signer (for this deployment's own certificate).
Result<Signer> signer_of(X509* cert);

}  // namespace sigil::certmgr::bundle
