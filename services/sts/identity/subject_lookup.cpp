// IdentitySource: certificate logins (solution users) and subject lookups for renew/exchange.

#include <cstdint>
#include <utility>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/ascii.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sts/identity/identity_source.hpp"
#include "sts/identity/principal_rows.hpp"

namespace sigil::sts::identity {

Result<IdentitySource::SubjectLookup> IdentitySource::load_certificate_user(
    std::string_view tenant, const std::string& sha256_hex) {
  if (!db::is_valid_tenant_name(tenant)) return fail(Errc::kNotFound, "no such tenant");
  return db::transact(
      pool_, "load solution user", [&](pqxx::dbtransaction& tx) -> Result<SubjectLookup> {
        SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).find(tenant));
        SubjectLookup out;
        out.tenant = policy_of(row);
        SIGIL_TRY(out.solution_user,
                  db::SolutionUserStore(tx).find_by_certificate(row.id, sha256_hex));
        return out;
      });
}

Result<Principal> IdentitySource::authenticate_certificate(std::string_view tenant, X509* cert) {
  if (cert == nullptr) {
    SIGIL_TRY(TenantPolicy t, load_tenant(tenant));
    return unexpected(reject(log::Level::kInfo, t, "", "certificate", "no_certificate"));
  }
  auto der = crypto::write_certificate_der(cert);
  if (!der) return unexpected(std::move(der).error());
  const std::string fingerprint = crypto::hex_encode(crypto::sha256(*der));
  SIGIL_TRY(SubjectLookup found, load_certificate_user(tenant, fingerprint));
  return check_certificate(found.tenant, found.solution_user, cert, fingerprint);
}

Result<Principal> IdentitySource::check_certificate(const TenantPolicy& tenant,
                                                    const std::optional<db::SolutionUserRow>& row,
                                                    X509* cert, const std::string& sha256_hex) {
  const auto rejected = [&](std::string_view reason) {
    return unexpected(
        reject(log::Level::kInfo, tenant, "sha256:" + sha256_hex, "certificate", reason));
  };
  if (!row) return rejected("unknown_certificate");
  if (row->disabled) return rejected("disabled");
  auto info = crypto::describe(cert);
  if (!info) return rejected("unreadable_certificate");
  const TimePoint now = clock_.now();
  if (now + tenant.clock_tolerance < info->not_before) return rejected("certificate_not_yet_valid");
  if (now > info->not_after) return rejected("certificate_expired");
  log_.debug("auth.succeeded",
             {{"tenant", tenant.name}, {"user", row->name}, {"method", "certificate"}});
  return principal_of(tenant, *row);
}

Result<IdentitySource::SubjectLookup> IdentitySource::load_subject(std::string_view tenant,
                                                                   std::string_view name,
                                                                   SubjectKind kind) {
  if (!db::is_valid_tenant_name(tenant)) return fail(Errc::kNotFound, "no such tenant");
  return db::transact(pool_, "load subject", [&](pqxx::dbtransaction& tx) -> Result<SubjectLookup> {
    SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).find(tenant));
    SubjectLookup out;
    out.tenant = policy_of(row);
    if (kind != SubjectKind::kSolutionUser) {
      SIGIL_TRY(out.user, db::UserStore(tx).find(row.id, name));
    }
    if (!out.user && kind != SubjectKind::kUser) {
      SIGIL_TRY(out.solution_user, db::SolutionUserStore(tx).find(row.id, name));
    }
    return out;
  });
}

Result<Principal> IdentitySource::lookup_subject(std::string_view tenant, std::string_view upn,
                                                 SubjectKind kind) {
  const LoginName login = parse_login_name(upn);
  SIGIL_TRY(SubjectLookup found, load_subject(tenant, login.name, kind));
  const TenantPolicy& t = found.tenant;
  const auto rejected = [&](std::string_view reason) {
    return unexpected(reject(log::Level::kInfo, t, upn, "subject", reason));
  };
  if (login.domain && !equal_ignoring_ascii_case(*login.domain, t.name)) {
    return rejected("wrong_domain");
  }
  if (found.user) {
    if (found.user->disabled) return rejected("disabled");
    return principal_of(t, *found.user);
  }
  if (found.solution_user) {
    if (found.solution_user->disabled) return rejected("disabled");
    return principal_of(t, *found.solution_user);
  }
  return rejected("unknown_subject");
}

}  // namespace sigil::sts::identity
