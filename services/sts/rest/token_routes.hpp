#pragma once
// The JSON REST face of the token core (docs/rest-api.md, docs/reference/interface.md §3):
//   POST /api/v1/tenants/{tenant}/tokens           issue (grant password | client_certificate)
//   POST /api/v1/tenants/{tenant}/tokens/validate  validate
//   POST /api/v1/tenants/{tenant}/tokens/renew     renew a holder-of-key token (mTLS as holder)
// Tokens travel as base64 of the assertion XML, exactly the assertion WS-Trust issues. Errors are
// {"error": errc_name, "message": ...} with the status from common/http/error_mapping.cpp; an
// unknown tenant is 404 not_found.
//
// Proof of possession is the TLS handshake: a holder-of-key token is bound to the certificate
// the client presented (holder_of_key must be that certificate), and only that client may renew
// it.
//
// Thread-safety: the routes run on the blocking pool; the core must outlive the router.

#include "sigil/base/log.hpp"
#include "sigil/http/router.hpp"
#include "sts/handlers/token_core.hpp"

namespace sigil::sts::rest {

void add_token_routes(http::Router& router, handlers::TokenCore& core, const log::Logger& log);

}  // namespace sigil::sts::rest
