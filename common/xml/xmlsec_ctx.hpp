#pragma once
// Internal: the only place that drives xmlsec's DSig context. Keys always come from the caller
// (our key store), never from KeyInfo: the context has no keys manager, KeyInfo may only name
// KeyName data (which can never yield key material), and signKey is set before processing, so
// xmlsec ignores KeyInfo entirely. Reference URIs are same-document only, and the reference and
// SignedInfo transforms are restricted to the allowlist (xmlsec 1.2's empty list means "all").
//
// Thread-safety: one call per document at a time; different documents on different threads.

#include <string>
#include <vector>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "dsig_profile.hpp"
#include "sigil/base/result.hpp"
#include "sigil/xml/handles.hpp"

namespace sigil::xml::detail {

// An xmlsec key holding a new reference to `key`, without certificates.
Result<SecKeyPtr> make_xmlsec_key(EVP_PKEY* key);

// Runs xmlSecDSigCtxSign on a complete template.
Result<void> xmlsec_sign(xmlNode* signature, EVP_PKEY* key);

// Runs xmlSecDSigCtxVerify with `key` and checks the outcome: status succeeded, exactly
// `expected_uris.size()` SignedInfo references, each succeeded, with exactly these URIs in order.
Result<void> xmlsec_verify(xmlNode* signature, EVP_PKEY* key, Profile profile,
                           const std::vector<std::string>& expected_uris);

}  // namespace sigil::xml::detail
