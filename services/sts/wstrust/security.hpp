#pragma once
// WS-Security checks of a parsed RST request (request.hpp): the wsu:Timestamp window and the
// request signature (threats.md §2, "Signature profile (WS-Security requests)").
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

/// Checks the wsu:Timestamp against `now`. Accepted when
///   Created - tolerance <= now < Expires + tolerance  and  Created < Expires,
/// so both boundaries are exact; otherwise kMessageExpired (wsse:MessageExpired). A missing
/// Timestamp is fine unless `required`, and then kSignatureInvalid (wsse:InvalidSecurity, as
/// Lightwave reports an incomplete Security header). `tolerance` must not be negative.
Result<void> check_timestamp(const Request& request, TimePoint now, std::chrono::seconds tolerance,
                             bool required);

}  // namespace sigil::sts::wstrust
