#pragma once
// The HTTP face of the token service: POST /sts/STSService/{tenant} (and /sts/STSService for
// the default tenant, where govmomi falls back without a Lookup Service), SOAP 1.1 in and out.
// Success is 200 text/xml; every failure is a SOAP fault with HTTP 500 (both clients read a body
// only on 200 or 500); an unknown tenant is a bare 404, as vCenter answers.
//
// Thread-safety: the routes run on the blocking pool; the service must outlive the router.

#include <string>

#include "sigil/http/router.hpp"
#include "sts/handlers/token_service.hpp"

namespace sigil::sts::handlers {

void add_wstrust_routes(http::Router& router, TokenService& service, const log::Logger& log,
                        std::string default_tenant);

}  // namespace sigil::sts::handlers
