#pragma once
// Internal to wstrust: reads the wsse:Security header block into a Request (Timestamp,
// UsernameToken, BinarySecurityToken, saml2:Assertion, ds:Signature; each at most once). The
// signature's KeyInfo is recorded as written and judged later by signer_reference().
//
// Thread-safety: pure function over a tree the calling thread owns.

#include <libxml/tree.h>

#include "sigil/base/result.hpp"
#include "sts/wstrust/request.hpp"

namespace sigil::sts::wstrust::detail {

/// Fills the wsse:Security fields of `req` from `security`.
Result<void> read_security(xmlNode* security, Request& req);

}  // namespace sigil::sts::wstrust::detail
