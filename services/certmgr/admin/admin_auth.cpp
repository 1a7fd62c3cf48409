#include "certmgr/admin/admin_auth.hpp"

#include <optional>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "sigil/base/ascii.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/signing_key_store.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/db/user_store.hpp"
#include "sigil/saml/issuer.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/validator.hpp"

namespace sigil::certmgr::admin {
namespace {

// A base64 token larger than this is refused before decoding (a Sigil token is a few KiB).
constexpr std::size_t kMaxTokenChars = 64 * 1024;

bool has_group(const std::vector<std::string>& groups, std::string_view group) {
  for (const auto& g : groups) {
    if (equal_ignoring_ascii_case(g, group)) return true;
  }
  return false;
}

Result<std::string> sha256_of(X509* cert) {
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cert));
  return crypto::hex_encode(crypto::sha256(der));
}

Unexpected<Error> not_admin(std::string_view who, std::string_view tenant) {
  return fail(Errc::kPermissionDenied, std::string(who) + " is not a member of " +
                                           std::string(tenant) + "\\" + std::string(kAdminGroup));
}

// "name@TENANT" or "TENANT\\name" as {name, domain}.
std::pair<std::string, std::string> split_upn(const std::string& upn) {
  if (auto slash = upn.find('\\'); slash != std::string::npos) {
    return {upn.substr(slash + 1), upn.substr(0, slash)};
  }
  if (auto at = upn.rfind('@'); at != std::string::npos) {
    return {upn.substr(0, at), upn.substr(at + 1)};
  }
  return {upn, ""};
}

// A token's subject as stored now, re-read as the kind of principal the signed token names
// (Subject Type): a user and a solution user may share a name (docs/identity.md "Names").
struct Account {
  bool found = false;
  bool disabled = true;
  std::vector<std::string> groups;
};

Result<Account> load_account(db::ConnectionPool& pool, std::int64_t tenant_id,
                             const std::string& name, bool solution_user) {
  Account a;
  SIGIL_TRY_VOID(db::transact(
      pool, "admin auth (token subject)", [&](pqxx::dbtransaction& tx) -> Result<void> {
        a = Account{};
        if (solution_user) {
          SIGIL_TRY(auto row, db::SolutionUserStore(tx).find(tenant_id, name));
          if (row) a = Account{true, row->disabled, row->groups};
        } else {
          SIGIL_TRY(auto row, db::UserStore(tx).find(tenant_id, name));
          if (row) a = Account{true, row->disabled, row->groups};
        }
        return {};
      }));
  return a;
}

// The audit actor of a token: its subject, then every solution user that acted for it, in
// delegation order ("user:Administrator@VSPHERE.LOCAL;delegates=vpxd@VSPHERE.LOCAL").
std::string token_actor(const saml::AssertionSpec& claims) {
  std::string actor = "user:" + claims.subject_upn;
  if (claims.delegates.empty()) return actor;
  actor += ";delegates=";
  for (std::size_t i = 0; i < claims.delegates.size(); ++i) {
    if (i > 0) actor += ',';
    actor += claims.delegates[i].upn;
  }
  return actor;
}

}  // namespace

Result<AdminActor> AdminAuthenticator::authenticate(const http::Request& request,
                                                    std::string_view tenant) const {
  if (!db::is_valid_tenant_name(tenant)) return fail(Errc::kNotFound, "no such tenant");
  const auto auth = request.message[boost::beast::http::field::authorization];
  if (!auth.empty()) {
    const std::string_view value(auth.data(), auth.size());
    if (value.size() < 5 || !equal_ignoring_ascii_case(value.substr(0, 5), "SAML ")) {
      return fail(Errc::kAuthFailed,
                  "unsupported Authorization scheme (use: Authorization: SAML <base64 token>)");
    }
    return by_token(value.substr(5), request.peer_certificate.get(), tenant);
  }
  if (request.peer_certificate) return by_certificate(request.peer_certificate.get(), tenant);
  return fail(Errc::kUnauthenticated,
              "authentication required: an admin client certificate or Authorization: SAML "
              "<token>");
}

bool AdminAuthenticator::is_system_tenant(std::string_view tenant) const {
  return equal_ignoring_ascii_case(tenant, system_tenant_);
}

Result<AdminActor> AdminAuthenticator::authenticate_deployment_admin(
    const http::Request& request) const {
  auto actor = authenticate(request, system_tenant_);
  if (actor) return actor;
  switch (actor.error().code) {
    case Errc::kUnauthenticated:
    case Errc::kUnavailable:
    case Errc::kInternal:
      return actor;
    default:
      break;
  }
  // kAuthFailed (a credential of another tenant cannot authenticate here), kPermissionDenied
  // (not in Administrators), kNotFound (no system tenant in this database).
  return fail(Errc::kPermissionDenied,
              "this is a deployment-wide operation: it needs an administrator of the system "
              "tenant " + system_tenant_ + " (" + actor.error().message + ")");
}

Result<AdminActor> AdminAuthenticator::by_certificate(X509* cert, std::string_view tenant) const {
  SIGIL_TRY(std::string sha256, sha256_of(cert));
  struct Found {
    db::TenantRow tenant;
    std::optional<db::SolutionUserRow> user;
  };
  SIGIL_TRY(Found found, db::transact(pool_, "admin auth (certificate)",
                                      [&](pqxx::dbtransaction& tx) -> Result<Found> {
                                        Found f;
                                        SIGIL_TRY(f.tenant, db::TenantStore(tx).find(tenant));
                                        SIGIL_TRY(f.user, db::SolutionUserStore(tx)
                                                              .find_by_certificate(f.tenant.id,
                                                                                   sha256));
                                        return f;
                                      }));
  if (!found.user) {
    return fail(Errc::kAuthFailed,
                "the client certificate is not registered in tenant " + found.tenant.name);
  }
  if (found.user->disabled) return fail(Errc::kAuthFailed, "the client certificate is disabled");
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(cert));
  const TimePoint now = clock_.now();
  const auto tolerance = std::chrono::seconds(found.tenant.policy.clock_tolerance_s);
  if (now + tolerance < info.not_before || now >= info.not_after) {
    return fail(Errc::kAuthFailed, "the client certificate is not valid now");
  }
  AdminActor actor;
  actor.actor = "cert:sha256:" + sha256;
  actor.method = "certificate";
  actor.name = found.user->name;
  actor.tenant = found.tenant.name;
  if (!has_group(found.user->groups, kAdminGroup)) {
    return not_admin("solution user " + found.user->name, found.tenant.name);
  }
  return actor;
}

Result<AdminAuthenticator::VerifiedToken> AdminAuthenticator::verify_token(
    std::string_view credential, std::string_view tenant) const {
  while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  if (credential.empty() || credential.size() > kMaxTokenChars) {
    return fail(Errc::kAuthFailed, "invalid token: empty or too large");
  }
  auto xml = crypto::base64_decode(credential);
  if (!xml) return fail(Errc::kAuthFailed, "invalid token: not base64");
  const std::string_view text(reinterpret_cast<const char*>(xml->data()), xml->size());
  auto parsed = saml::parse_token(text);
  if (!parsed) return fail(Errc::kAuthFailed, "invalid token: " + parsed.error().message);
  const TimePoint now = clock_.now();
  VerifiedToken out;
  std::vector<db::SigningKeyRow> keys;
  SIGIL_TRY_VOID(db::transact(pool_, "admin auth (token keys)",
                              [&](pqxx::dbtransaction& tx) -> Result<void> {
                                SIGIL_TRY(out.tenant, db::TenantStore(tx).find(tenant));
                                SIGIL_TRY(keys, db::SigningKeyStore(tx).list_verifying(
                                                    out.tenant.id, now));
                                return {};
                              }));
  std::vector<crypto::X509Ptr> certs;
  std::vector<saml::TrustedSigningKey> trusted;
  for (const auto& k : keys) {
    auto chain = crypto::parse_certificate_bundle(k.certificate_chain_pem);
    if (!chain || chain->empty()) continue;
    certs.push_back(std::move(chain->front()));
    trusted.push_back(saml::TrustedSigningKey{k.key_id, certs.back().get()});
  }
  saml::ValidationPolicy policy;
  policy.clock_tolerance = std::chrono::seconds(out.tenant.policy.clock_tolerance_s);
  policy.expected_issuer = saml::tenant_issuer(saml::issuer_base(sts_hostname_), out.tenant.name);
  // A token meant for another service is not an admin credential; one without an audience is.
  policy.audience = std::string(kAdminAudience);
  policy.accept_no_audience = true;
  auto valid =
      saml::validate_assertion(parsed->doc.get(), parsed->assertion, trusted, policy, clock_);
  if (!valid) return fail(Errc::kAuthFailed, "invalid token: " + valid.error().message);
  out.assertion = std::move(*valid);
  return out;
}

Result<AdminActor> AdminAuthenticator::by_token(std::string_view credential, X509* peer_cert,
                                                std::string_view tenant) const {
  SIGIL_TRY(VerifiedToken token, verify_token(credential, tenant));
  const saml::AssertionSpec& claims = token.assertion.claims;
  if (claims.confirmation == saml::Confirmation::kHolderOfKey) {
    if (peer_cert == nullptr || !token.assertion.hok_certificate) {
      return fail(Errc::kAuthFailed,
                  "a holder-of-key token needs the TLS client certificate it is bound to");
    }
    SIGIL_TRY(std::string presented, sha256_of(peer_cert));
    SIGIL_TRY(std::string bound, sha256_of(token.assertion.hok_certificate.get()));
    if (presented != bound) {
      return fail(Errc::kAuthFailed, "the TLS client certificate is not the token's holder");
    }
  }
  const db::TenantRow& t = token.tenant;
  const auto [name, domain] = split_upn(claims.subject_upn);
  if (!equal_ignoring_ascii_case(domain, t.name)) {
    return fail(Errc::kAuthFailed, "invalid token: its subject is not of tenant " + t.name);
  }
  const std::string qualified = t.name + "\\" + std::string(kAdminGroup);
  bool claimed = false;
  for (const auto& a : claims.attributes) {
    if (a.name == saml::uri::kAttrGroups && has_group(a.values, qualified)) claimed = true;
  }
  if (!claimed) return not_admin(claims.subject_upn, t.name);
  const std::optional<bool> solution_user = saml::subject_is_solution_user(claims);
  if (!solution_user) {
    return fail(Errc::kAuthFailed, "invalid token: it does not say what kind of subject it names");
  }
  SIGIL_TRY(Account account, load_account(pool_, t.id, name, *solution_user));
  if (!account.found || account.disabled) {
    return fail(Errc::kAuthFailed, "the token's subject is unknown or disabled");
  }
  if (!has_group(account.groups, kAdminGroup)) return not_admin(claims.subject_upn, t.name);
  if (claims.confirmation_upn) {
    // A delegated token: the solution user holding it must still exist, be enabled and be
    // allowed to act for others; removing it from ActAsUsers revokes its admin access at once.
    const auto [holder_name, holder_domain] = split_upn(*claims.confirmation_upn);
    SIGIL_TRY(Account holder, load_account(pool_, t.id, holder_name, true));
    if (!equal_ignoring_ascii_case(holder_domain, t.name) || !holder.found || holder.disabled ||
        !has_group(holder.groups, kActAsGroup)) {
      return fail(Errc::kAuthFailed, "the solution user holding this delegated token (" +
                                         *claims.confirmation_upn + ") may no longer act as " +
                                         claims.subject_upn);
    }
  }
  AdminActor actor;
  actor.actor = token_actor(claims);
  actor.method = "token";
  actor.tenant = t.name;
  actor.name = name;
  return actor;
}

}  // namespace sigil::certmgr::admin
