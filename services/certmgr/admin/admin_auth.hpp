#pragma once
// Who may use certmgr's admin API (docs/admin-api.md "Authentication"). Every request of
// /api/v1/admin/tenants/{tenant}/... presents one of:
//
//  (a) an admin client certificate: the TLS client certificate the handshake proved possession
//      of is, by its EXACT DER (SHA-256), a registered, enabled solution user of the tenant in
//      group "Administrators", and valid now (the tenant's clock tolerance for notBefore). The
//      same rule as sts's certificate login (services/sts/identity/subject_lookup.cpp), re-done
//      here with db::SolutionUserStore::find_by_certificate because services do not include
//      each other. Never by subject DN.
//  (b) `Authorization: SAML <base64 of a Sigil token>`: an assertion sts issued for this tenant,
//      validated with common/saml against the tenant's verifying keys read from PostgreSQL
//      (signature profile, NotBefore/NotOnOrAfter with the tenant's clock tolerance, issuer
//      https://<sts-hostname>/websso/SAML2/Metadata/<tenant>). Its subject must name this tenant,
//      claim "<tenant>\Administrators" in its Groups attribute AND still be an enabled user (or
//      solution user) in group Administrators when re-read now, so removing someone from the
//      group takes effect before their tokens expire (re-read as the kind of principal the
//      token's Subject Type names). A holder-of-key token is accepted only over a TLS
//      connection whose client certificate is the token's confirmation certificate. A token
//      with an AudienceRestriction must name kAdminAudience; one without is accepted. A
//      delegated (ActAs) token's audit actor names every delegate: "user:<UPN>;delegates=a,b".
//
// Outcomes: kUnauthenticated (no credential: 401), kAuthFailed (a credential that does not
// authenticate: unknown or disabled certificate, bad or expired token: 401), kPermissionDenied
// (authenticated, but not an administrator of this tenant: 403), kNotFound (no such tenant:
// 404), kUnavailable (database). Messages are safe for clients and never echo the token.
//
// Thread-safety: authenticate() may be called from several threads at once (pool, clock and
// the xmlsec library are shared read-only).

#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/http/message.hpp"
#include "sigil/saml/validator.hpp"

namespace sigil::certmgr::admin {

inline constexpr std::string_view kAdminGroup = "Administrators";
/// The group a solution user needs to act for others (docs/delegation.md); certmgr checks it
/// for the holder of a delegated admin token, as sts does when such a token is renewed.
inline constexpr std::string_view kActAsGroup = "ActAsUsers";
/// The audience an admin token may name (docs/admin-api.md "Authentication").
inline constexpr std::string_view kAdminAudience = "urn:sigil:certmgr:admin";

/// The authenticated administrator of one request.
struct AdminActor {
  std::string actor;   ///< audit-log actor: "cert:sha256:<hex>" or "user:<UPN>[;delegates=..]"
  std::string method;  ///< "certificate" or "token"
  std::string name;    ///< solution user or user name as stored
  std::string tenant;  ///< tenant name as stored
};

class AdminAuthenticator {
 public:
  /// `sts_hostname` is the host part of the token Issuer sts uses (its --hostname).
  /// `system_tenant` is the tenant whose Administrators administer the whole deployment
  /// (certmgr's --system-tenant, default vsphere.local).
  AdminAuthenticator(db::ConnectionPool& pool, const Clock& clock, std::string sts_hostname,
                     std::string system_tenant)
      : pool_(pool),
        clock_(clock),
        sts_hostname_(std::move(sts_hostname)),
        system_tenant_(std::move(system_tenant)) {}

  Result<AdminActor> authenticate(const http::Request& request, std::string_view tenant) const;

  /// Deployment-wide operations (the default and wildcard server certificates, hostnames no
  /// tenant owns, peers, trusted bundle signers): the request's credential must be that of an
  /// Administrator of the system tenant, by exactly the rules of authenticate(request,
  /// system_tenant()). A credential that is valid but not a system-tenant administrator's —
  /// including any credential of another tenant, which cannot authenticate against the system
  /// tenant — is kPermissionDenied (403) with a message naming the system tenant; no credential
  /// stays kUnauthenticated (401), a database error kUnavailable. Call it after authenticate()
  /// for the path's tenant has accepted the credential (AdminApi does that for every route), so
  /// that a bad credential has already been answered 401.
  Result<AdminActor> authenticate_deployment_admin(const http::Request& request) const;

  /// The system tenant's name as configured (--system-tenant).
  const std::string& system_tenant() const { return system_tenant_; }

  /// True when `tenant` names the system tenant (tenant names compare case-insensitively).
  bool is_system_tenant(std::string_view tenant) const;

 private:
  Result<AdminActor> by_certificate(X509* cert, std::string_view tenant) const;
  Result<AdminActor> by_token(std::string_view credential, X509* peer_cert,
                              std::string_view tenant) const;
  struct VerifiedToken {
    db::TenantRow tenant;
    saml::ValidatedAssertion assertion;
  };
  /// Decodes, parses and validates the token against the tenant's verifying keys.
  Result<VerifiedToken> verify_token(std::string_view credential, std::string_view tenant) const;

  db::ConnectionPool& pool_;
  const Clock& clock_;
  const std::string sts_hostname_;
  const std::string system_tenant_;
};

}  // namespace sigil::certmgr::admin
