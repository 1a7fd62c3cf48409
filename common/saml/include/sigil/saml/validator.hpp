#pragma once
// Validates a SAML assertion that Sigil issued: its enveloped signature must verify with one of
// the tenant's trusted signing keys (never a key from KeyInfo), and every claim is then read from
// the node the signature covers and nothing else (docs/reference/threats.md §2.7, §2.8). The shape
// is the one the writer emits; anything else (unknown children, several Subjects, text split by
// comments, a zone-less time) is refused.
//
// Time rule: valid when NotBefore - tolerance <= now < NotOnOrAfter + tolerance, exactly at the
// boundary.
//
// Thread-safety: one thread per document; the trusted keys are only read. Requires a live
// xml::XmlSecLibrary.

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/saml/assertion.hpp"
#include "sigil/xml/handles.hpp"

namespace sigil::saml {

struct TrustedSigningKey {
  std::string key_id;
  X509* certificate = nullptr;  // borrowed; its public key verifies
};

struct ValidationPolicy {
  std::chrono::seconds clock_tolerance{600};
  std::optional<std::string> expected_issuer;  // refuse tokens of another issuer (tenant)
  std::optional<std::string> audience;         // required in AudienceRestriction when set
  // With `audience` set: a token without any AudienceRestriction is accepted too (one naming
  // another audience never is).
  bool accept_no_audience = false;
  // Parse the holder-of-key confirmation certificate into ValidatedAssertion::hok_certificate.
  // Validation alone does not need it, and parsing a certificate is costly with OpenSSL 3
  // (a decoder context per call): a third of a Validate request's CPU.
  bool parse_hok_certificate = true;
};

// What a verified token says. Read from the signed node only.
struct ValidatedAssertion {
  AssertionSpec claims;           // everything the writer wrote (hok_certificate_b64 included)
  std::string signing_key_id;     // which trusted key verified it
  crypto::X509Ptr hok_certificate;  // parsed confirmation certificate (holder-of-key only,
                                    // and only with ValidationPolicy::parse_hok_certificate)
};

/// Validates `assertion` (a saml2:Assertion element of `doc`). kSignatureInvalid for signature
/// and profile failures, kUnsupportedAlgorithm for weak algorithms, kTokenExpired outside the
/// validity window, kPermissionDenied for a wrong issuer or audience, kMalformedRequest for a
/// token of the wrong shape, kKeyNotFound when `keys` is empty.
Result<ValidatedAssertion> validate_assertion(xmlDoc* doc, xmlNode* assertion,
                                              std::span<const TrustedSigningKey> keys,
                                              const ValidationPolicy& policy, const Clock& clock);

/// A token presented on its own (REST, tests): parsed with the safe parser; its document
/// element must be a saml2:Assertion.
struct ParsedToken {
  xml::XmlDocPtr doc;
  xmlNode* assertion = nullptr;
};
Result<ParsedToken> parse_token(std::string_view xml_text);

}  // namespace sigil::saml
