#pragma once
// WS-Security checks of a parsed RST request (request.hpp): the wsu:Timestamp window and the
// request signature (docs/reference/threats.md §2.4, "Signature profile (WS-Security requests)").
//
// A signed request is accepted only when its one ds:Signature in wsse:Security
//   - names its key through KeyInfo/wsse:SecurityTokenReference, either a wsse:Reference to the
//     request's BinarySecurityToken or a SAMLID wsse:KeyIdentifier naming the saml2:Assertion in
//     wsse:Security (signer_reference); KeyInfo is never a source of key material;
//   - has exactly two References, to the Envelope's own S:Body and to the wsu:Timestamp that is a
//     direct child of wsse:Security, by their IDs, in either order, each once, exc-c14n only;
//   - uses rsa-sha256/384/512 (pyVmomi signs token-by-token with rsa-sha512 and sha512 digests)
//     or ecdsa-sha256; SHA-1, MD5 and HMAC are kUnsupportedAlgorithm (checked before any
//     transform runs, by xml::verify_references);
//   - verifies with the key the caller supplies, and, when the RST has wst:UseKey/@Sig, carries
//     that value as its Id attribute.
// Because parse_request refused duplicate IDs and pinned the Body and the Timestamp to their
// positions, a signed element moved elsewhere (XML signature wrapping) can never be the element
// the References resolve to, and the claims the caller reads (Request::rst, ...) are inside the
// verified Body.
//
// How the caller gets the key: signer_reference() says whether it is the BinarySecurityToken's
// certificate (whose key verify_request_signature also insists on), or the confirmation key of
// the header assertion, which the caller must first validate with common/saml (issuer signature,
// validity, holder-of-key subject confirmation) and then pass in.
//
// Thread-safety: pure functions; one thread per Request. Requires a live xml::XmlSecLibrary.

#include <chrono>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sts/wstrust/replay_cache.hpp"
#include "sts/wstrust/request.hpp"

namespace sigil::sts::wstrust {

enum class SignerKind {
  kBinarySecurityToken,  // wsse:Reference URI="#<BinarySecurityToken wsu:Id>"
  kSamlAssertion,        // wsse:KeyIdentifier ValueType=SAMLID naming the header assertion
};

/// Where the request signature's key comes from. Pointers are owned by the Request.
struct SignerReference {
  SignerKind kind = SignerKind::kBinarySecurityToken;
  X509* certificate = nullptr;   // kBinarySecurityToken: the BinarySecurityToken certificate
  xmlNode* assertion = nullptr;  // kSamlAssertion: Request::header_assertion
};

/// The key source named by the signature's KeyInfo. kSignatureInvalid when the request is not
/// signed, or KeyInfo is missing, holds anything but one SecurityTokenReference (X509Data,
/// KeyValue, ...), or names something other than this request's BinarySecurityToken or header
/// assertion.
Result<SignerReference> signer_reference(const Request& request);

/// Verifies the request signature with `key` (see the header comment). kSignatureInvalid for a
/// missing, misdirected, incomplete (e.g. Body only) or wrong signature; kUnsupportedAlgorithm
/// for a refused algorithm; kInvalidArgument when `key` is null.
Result<void> verify_request_signature(const Request& request, EVP_PKEY* key);

/// The server's bounds on a request's wsu:Timestamp; the client's Created and Expires only ever
/// narrow them (docs/wstrust.md, "Timestamps and replay").
struct TimestampPolicy {
  std::chrono::seconds clock_tolerance{600};  // the tenant's clock tolerance
  std::chrono::seconds max_window{300};       // Expires - Created at most this
  std::chrono::seconds max_age{300};          // now - Created at most this + clock_tolerance
};

/// Checks the wsu:Timestamp against `now`. Accepted when
///   Created < Expires  and  Expires - Created <= max_window  and
///   Created - tolerance <= now < Expires + tolerance  and  now <= Created + max_age + tolerance,
/// so every boundary is exact; otherwise kMessageExpired (wsse:MessageExpired) with detail
/// "reason=inverted|window_too_long|future|expired|stale". A missing Timestamp is fine unless
/// `required`, and then kSignatureInvalid (wsse:InvalidSecurity, as Lightwave reports an
/// incomplete Security header). Negative durations in `policy` are kInvalidArgument.
Result<void> check_timestamp(const Request& request, TimePoint now, const TimestampPolicy& policy,
                             bool required);

/// The last instant at which check_timestamp() accepts `ts` (exclusive): how long a replay
/// cache must remember a request carrying it.
TimePoint timestamp_acceptable_until(const Timestamp& ts, const TimestampPolicy& policy);

/// The request's replay key: SHA-256 of the exclusive c14n of the signature's ds:SignedInfo
/// (replay_cache.hpp says why). kSignatureInvalid when the request is unsigned or its signature
/// has no SignedInfo. Call it after verify_request_signature() succeeded.
Result<ReplayKey> replay_key(const Request& request);

}  // namespace sigil::sts::wstrust
