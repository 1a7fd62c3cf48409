#pragma once
// Internal to wstrust: reads the children of wst:RequestSecurityToken into a Request and decides
// the operation from wst:RequestType (see request.hpp for the rules and error codes).
//
// Thread-safety: pure function over a tree the calling thread owns.

#include <libxml/tree.h>

#include "sigil/base/result.hpp"
#include "sts/wstrust/request.hpp"

namespace sigil::sts::wstrust::detail {

/// Fills the RST fields of `req` (token_type ... audience, and kind) from `rst`.
Result<void> read_rst(xmlNode* rst, Request& req);

}  // namespace sigil::sts::wstrust::detail
