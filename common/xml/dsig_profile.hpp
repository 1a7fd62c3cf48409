#pragma once
// Internal: reads a ds:Signature strictly, before any transform or key runs
// (docs/reference/threats.md §2.3 "Signature profile (tokens)" and §2.5 "Allowlist algorithms").
// Only element children and whitespace are allowed inside the signature elements; every Algorithm
// is compared exactly against the allowlist; SHA-1, MD5, HMAC, inclusive or comment-preserving
// c14n, XSLT, XPath, ... are refused with kUnsupportedAlgorithm, and any other deviation from the
// profile with kSignatureInvalid.
//
// Thread-safety: pure functions.

#include <string>
#include <vector>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "sigil/base/result.hpp"

namespace sigil::xml::detail {

enum class Profile {
  kEnveloped,  // SAML tokens: one Reference, transforms enveloped-signature + exc-c14n
  kDetached,   // WS-Security: References by wsu:Id, transforms exc-c14n only
};

struct ReferenceShape {
  std::string uri;
  std::string digest_method;
};

struct SignatureShape {
  xmlNode* signed_info = nullptr;
  xmlNode* key_info = nullptr;  // nullptr when absent; never a source of keys
  std::string signature_method;
  std::vector<ReferenceShape> references;
};

Result<SignatureShape> read_signature(const xmlNode* signature, Profile profile);

// True when `key` can be used with the signature method (RSA for rsa-*, EC for ecdsa-*).
bool key_fits_method(EVP_PKEY* key, std::string_view signature_method) noexcept;

}  // namespace sigil::xml::detail
