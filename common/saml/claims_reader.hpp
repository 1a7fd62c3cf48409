#pragma once
// Reads the claims of an assertion whose signature has already been verified, from that node
// only, requiring exactly the shape the writer emits. Internal to common/saml.
//
// Thread-safety: pure function over a tree the caller owns.

#include <libxml/tree.h>

#include "sigil/base/result.hpp"
#include "sigil/saml/assertion.hpp"

namespace sigil::saml::detail {

Result<AssertionSpec> read_claims(const xmlNode* assertion);

}  // namespace sigil::saml::detail
