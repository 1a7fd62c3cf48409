#pragma once
// Enveloped XML-DSig: the one way Sigil signs (sign_enveloped) and verifies (verify) tokens.
//
// Signing: exclusive c14n, RSA-SHA256 or ECDSA-SHA256 (chosen by the key type), SHA-256 digest,
// transforms enveloped-signature + exc-c14n, KeyInfo/X509Data with the chain (leaf first), no Id
// on Signature, Reference or KeyInfo; base64 without line breaks.
//
// Verification implements docs/reference/threats.md §2 before and after xmlsec runs:
//   - the expected element has exactly one NCName ID (ID, Id, wsu:Id or xml:id), every ID value in
//     the document is unique, and "#ID" resolves to the expected element;
//   - exactly one ds:Signature, a direct child of the expected element; children SignedInfo,
//     SignatureValue, optional KeyInfo (no ds:Object);
//   - SignedInfo read before any transform runs: exc-c14n without comments; signature method
//     rsa-sha256/384/512 or ecdsa-sha256/384/512; exactly one Reference whose URI is exactly
//     "#" + that ID; transforms exactly enveloped-signature + exc-c14n (InclusiveNamespaces
//     allowed); digest sha256/384/512. SHA-1, MD5, HMAC, other c14n or transforms ->
//     kUnsupportedAlgorithm; any other deviation -> kSignatureInvalid;
//   - the key comes only from `trust`. KeyInfo is at most a hint: when its first X509Certificate
//     is byte-for-byte one of the trusted certificates, only that entry is tried; otherwise every
//     trusted key of the right type is tried in order;
//   - xmlsec runs restricted (see xmlsec_ctx.hpp) and afterwards the status, the reference count
//     and the verified URI are checked again.
// Callers must read claims from VerifiedNode::node and nothing else.
//
// Thread-safety: one thread per document; keys and certificates are only read (an EVP_PKEY or
// X509 may be shared by concurrent calls). Requires a live XmlSecLibrary.

#include <optional>
#include <string>
#include <vector>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sigil/base/result.hpp"

namespace sigil::xml {

struct QName {
  std::string ns;     // namespace URI
  std::string local;  // local name
};

struct SignOptions {
  // ds:Signature is inserted right after the first child element with this name (SAML: after
  // saml2:Issuer). Unset: it becomes the first child.
  std::optional<QName> insert_after;
  // PrefixList of the InclusiveNamespaces on the Reference's exc-c14n transform, e.g. {"xs",
  // "xsi"}, for prefixes used only inside attribute values (xsi:type="xs:string").
  std::vector<std::string> inclusive_prefixes;
};

/// Signs `node` (which must have an ID attribute) with an enveloped signature. On failure the
/// document is left as it was. kInvalidArgument for an unusable key/chain/node, kInternal when
/// xmlsec fails.
Result<void> sign_enveloped(xmlDoc* doc, xmlNode* node, EVP_PKEY* key,
                            const std::vector<X509*>& cert_chain, const SignOptions& options = {});

// One trusted verification key. Borrowed pointers; at least one is set. When `key` is null the
// certificate's public key is used; `cert` also makes the entry eligible for the KeyInfo hint.
struct TrustedKey {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

struct VerifyTrust {
  std::vector<TrustedKey> keys;
};

struct VerifiedNode {
  xmlNode* node = nullptr;       // the element the signature covers: read claims from here only
  std::string algorithm;         // SignatureMethod URI
  size_t trusted_key_index = 0;  // index into VerifyTrust::keys of the key that verified
};

/// Verifies the enveloped signature of `expected_node` (see the header comment for every rule).
/// kSignatureInvalid, kUnsupportedAlgorithm, or kKeyNotFound when `trust` is empty.
Result<VerifiedNode> verify(xmlDoc* doc, xmlNode* expected_node, const VerifyTrust& trust);

struct VerifiedReferences {
  std::vector<xmlNode*> nodes;  // the expected targets, each covered by exactly one Reference
  std::string algorithm;        // SignatureMethod URI
};

/// WS-Security style: `signature` (anywhere in `doc`) must have exactly one Reference per element
/// of `expected_targets`, by "#" + its ID, each with the single transform exc-c14n (no
/// enveloped-signature), and must verify with `key`. Same allowlists and strictness as verify().
Result<VerifiedReferences> verify_references(xmlDoc* doc, xmlNode* signature,
                                             const std::vector<xmlNode*>& expected_targets,
                                             EVP_PKEY* key);

}  // namespace sigil::xml
