#pragma once
// Writes a signed SAML assertion without building a DOM (docs/performance.md "Goals"): the
// assertion is emitted directly in exclusive-canonical form, so its digest is one SHA-256 over the
// bytes we wrote, SignedInfo is written canonically too, and the signature is one EVP_DigestSign.
//
// Two byte strings come out of the same writer: the *digest form* (exclusive c14n with
// InclusiveNamespaces "xs xsi", enveloped signature removed) that the Reference digests, and the
// *wire form* that is sent: the same bytes with the ds:Signature after Issuer and the
// `xmlns:rsa` / `xmlns:del` declarations vCenter puts on its conditions (exclusive c14n drops
// them, so they do not change the digest). The wire form is one line, no whitespace nodes,
// namespaces declared on the Assertion itself (docs/reference/wstrust.md §6.1-§6.4).
//
// xmlsec1 and our own verifier are the independent checks that what we write verifies; they are
// run by the tests, never on this path.
//
// Thread-safety: pure functions; the signing key may be shared between threads.

#include <string>
#include <vector>

#include <openssl/evp.h>

#include "sigil/base/result.hpp"
#include "sigil/saml/assertion.hpp"

namespace sigil::saml {

struct SigningIdentity {
  EVP_PKEY* key = nullptr;                    // RSA (rsa-sha256) or EC P-256 (ecdsa-sha256)
  std::vector<std::string> chain_der_b64;     // signing certificate first, then its issuers
};

// The assertion's canonical bytes without a signature (what the Reference digests).
std::string write_digest_form(const AssertionSpec& spec);

// The signed assertion as sent on the wire. kMalformedRequest, and nothing signed, when a text
// of `spec` (names, audience, attribute values, ...) holds a character XML 1.0 cannot carry.
Result<std::string> write_signed_assertion(const AssertionSpec& spec, const SigningIdentity& id);

}  // namespace sigil::saml
