#pragma once
// Publishing of a tenant's token-verification certificates (docs/publishing.md):
//   GET /api/v1/tenants/{tenant}/signing-certs      JSON, every key that may still verify a token
//   GET /api/v1/tenants/{tenant}/signing-certs.pem  the same certificates as a PEM bundle
//   GET /saml/metadata/{tenant}                     SAML 2.0 IdP metadata, one signing
//                                                   KeyDescriptor per verifying key
// Always active first, then verify-only keys, newest first. A verify-only key whose verify_until
// has passed is left out at request time, even while the cached key set still holds it.
//
// Caching: ETag "<generation>.<number of published keys>" (the key set generation, plus the
// count so that a key aging out of its retention window within one generation changes the tag
// too); If-None-Match answers 304. Cache-Control: public, max-age=kMaxAgeSeconds (300 s), so a
// relying party sees a change of the key set within five minutes; see docs/publishing.md for why
// that is short enough. Errors (unknown tenant: 404) are JSON and never cached.
//
// Thread-safety: the routes run on the blocking pool; the core must outlive the router.

#include <string>

#include "sigil/base/log.hpp"
#include "sigil/http/router.hpp"
#include "sts/handlers/token_core.hpp"

namespace sigil::sts::rest {

inline constexpr int kMaxAgeSeconds = 300;

void add_publish_routes(http::Router& router, handlers::TokenCore& core, const log::Logger& log);

/// The SAML 2.0 metadata document of `keys` (exposed for tests).
std::string saml_metadata(const std::string& entity_id, const std::string& sso_location,
                          const std::vector<const keys::TenantKeys::Key*>& keys);

}  // namespace sigil::sts::rest
