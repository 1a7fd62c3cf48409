// Applying a verified configuration bundle (bundle_import.hpp).

#include "certmgr/bundle/bundle_import.hpp"

#include <map>

#include "sigil/ca/builtin_ca.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/bundle_store.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/tenant_policy.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/user_store.hpp"

namespace sigil::certmgr::bundle {
namespace {

std::map<std::string_view, std::int64_t> policy_map(const db::TenantRow& t) {
  const auto values = db::policy_values(t);
  return {values.begin(), values.end()};
}

// The fields of `wanted` that differ from the tenant's current policy (empty: none).
db::TenantPolicyUpdate policy_diff(const db::TenantRow& t, const db::TenantPolicyUpdate& wanted) {
  const auto current = policy_map(t);
  db::TenantPolicyUpdate diff;
  for (const db::PolicyField& pf : db::policy_fields()) {
    const auto& w = wanted.*pf.member;
    auto it = current.find(pf.column);
    if (w && (it == current.end() || it->second != *w)) diff.*pf.member = *w;
  }
  return diff;
}

Result<std::string> sha256_of_pem(const std::string& pem, const std::string& name) {
  auto cert = crypto::parse_certificate_pem(pem);
  if (!cert) {
    return fail(Errc::kInvalidArgument, "solution user " + name +
                                            ": certificate_pem must hold exactly one PEM "
                                            "certificate");
  }
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cert->get()));
  return crypto::hex_encode(crypto::sha256(der));
}

Result<db::TenantRow> ensure_tenant(pqxx::dbtransaction& tx, const ApplyContext& ctx,
                                    const Payload& p, ImportSummary& s) {
  auto found = db::TenantStore(tx).find(p.tenant);
  if (found) return std::move(*found);
  if (found.error().code != Errc::kNotFound) return unexpected(found.error());
  SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).create(p.tenant));
  ManualClock at(ctx.now);
  SIGIL_TRY(db::NewSigningKey key,
            ca::new_signing_key(tx, *ctx.master_key, at, ctx.options->ca, row.name, row.id,
                                ctx.options->signing_key_type, ctx.options->signing_validity));
  SIGIL_TRY(db::KeySetChange change,
            db::KeySetStore(tx, ctx.actor).rotate(row.name, std::move(key), ctx.now));
  s.tenant_created = true;
  s.signing_key_id = change.activated;
  return db::TenantStore(tx).find(row.name);
}

Result<void> apply_hostnames(pqxx::dbtransaction& tx, const ApplyContext& ctx, const Payload& p,
                             ImportSummary& s) {
  for (const std::string& h : p.hostnames) {
    auto added = db::TenantStore(tx).add_hostname(s.tenant, h, ctx.actor);
    if (!added) {
      Error e = std::move(added).error();
      if (e.code == Errc::kConflict) e.message += "; nothing imported";
      return unexpected(std::move(e));
    }
    ++(*added ? s.hostnames.created : s.hostnames.unchanged);
  }
  return {};
}

Result<void> apply_user(pqxx::dbtransaction& tx, const ApplyContext& ctx, std::int64_t tenant_id,
                        const BundleUser& u, ImportSummary& s) {
  db::UserStore users(tx);
  SIGIL_TRY(std::optional<db::UserRow> existing, users.find(tenant_id, u.name));
  const std::string hash(u.password_hash.value_or(std::string(kNoPasswordMarker)));
  db::UserProfile profile;
  profile.groups = u.groups;
  profile.first_name = u.first_name;
  profile.last_name = u.last_name;
  if (!existing) {
    db::NewUser n;
    n.name = u.name;
    n.password_hash = hash;
    n.groups = u.groups;
    n.first_name = u.first_name;
    n.last_name = u.last_name;
    SIGIL_TRY(db::UserRow row, users.create(tenant_id, n));
    // A user without a usable password is always disabled.
    profile.disabled = u.disabled || hash == kNoPasswordMarker;
    if (profile.disabled) SIGIL_TRY_VOID(db::BundleStore(tx).update_user_profile(row.id, profile));
    ++s.users.created;
    if (hash == kNoPasswordMarker) ++s.users_without_password;
    return {};
  }
  const bool new_hash = u.password_hash && *u.password_hash != existing->password_hash;
  const bool usable = (new_hash ? hash : existing->password_hash) != kNoPasswordMarker;
  profile.disabled = u.disabled || !usable;
  const bool profile_differs =
      profile.groups != existing->groups || profile.first_name != existing->first_name ||
      profile.last_name != existing->last_name || profile.disabled != existing->disabled;
  if (new_hash) {
    SIGIL_TRY_VOID(users.set_password_hash(tenant_id, existing->name, hash, ctx.now));
  }
  if (profile_differs) {
    SIGIL_TRY_VOID(db::BundleStore(tx).update_user_profile(existing->id, profile));
  }
  ++(new_hash || profile_differs ? s.users.updated : s.users.unchanged);
  return {};
}

Result<void> apply_solution_user(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                                 const BundleSolutionUser& u, ImportSummary& s) {
  SIGIL_TRY(std::string sha256, sha256_of_pem(u.certificate_pem, u.name));
  db::SolutionUserStore store(tx);
  SIGIL_TRY(std::optional<db::SolutionUserRow> existing, store.find(tenant_id, u.name));
  if (!existing) {
    SIGIL_TRY(db::SolutionUserRow row,
              store.create(tenant_id, u.name, u.certificate_pem, sha256, u.groups));
    if (u.disabled) SIGIL_TRY_VOID(store.set_disabled(tenant_id, row.name, true));
    ++s.solution_users.created;
    return {};
  }
  if (existing->certificate_sha256 == sha256 && existing->groups == u.groups &&
      existing->disabled == u.disabled) {
    ++s.solution_users.unchanged;
    return {};
  }
  SIGIL_TRY_VOID(db::BundleStore(tx).update_solution_user(existing->id, u.certificate_pem, sha256,
                                                          u.groups, u.disabled));
  ++s.solution_users.updated;
  return {};
}

}  // namespace

db::TenantPolicyUpdate policy_of(const db::TenantRow& tenant) {
  const auto values = policy_map(tenant);
  db::TenantPolicyUpdate out;
  for (const db::PolicyField& pf : db::policy_fields()) {
    if (auto it = values.find(pf.column); it != values.end()) out.*pf.member = it->second;
  }
  return out;
}

Result<void> check_payload(const Payload& p) {
  if (!db::is_valid_tenant_name(p.tenant)) {
    return fail(Errc::kInvalidArgument, "the bundle names an invalid tenant '" + p.tenant + "'");
  }
  for (const std::string& h : p.hostnames) {
    SIGIL_TRY(std::string normal, db::normalize_tenant_hostname(h));
    if (normal != h) {
      return fail(Errc::kInvalidArgument, "the bundle's hostname '" + h + "' is not normalised");
    }
  }
  SIGIL_TRY_VOID(db::validate(p.policy));
  for (const BundleUser& u : p.users) {
    if (u.password_hash && u.password_hash->rfind("$scrypt$", 0) != 0) {
      return fail(Errc::kInvalidArgument,
                  "user " + u.name + ": password_hash must be a $scrypt$ PHC string");
    }
  }
  for (const BundleSolutionUser& u : p.solution_users) {
    SIGIL_TRY(std::string digest, sha256_of_pem(u.certificate_pem, u.name));
    (void)digest;
  }
  return {};
}

Result<ImportSummary> apply(pqxx::dbtransaction& tx, const ApplyContext& ctx, const Payload& p) {
  ImportSummary s;
  SIGIL_TRY(db::TenantRow tenant, ensure_tenant(tx, ctx, p, s));
  s.tenant = tenant.name;
  const db::TenantPolicyUpdate diff = policy_diff(tenant, p.policy);
  if (!diff.empty()) {
    SIGIL_TRY(db::TenantRow updated, db::set_tenant_policy(tx, s.tenant, diff, ctx.actor, ctx.now));
    (void)updated;
    s.policy_changed = true;
  }
  SIGIL_TRY_VOID(apply_hostnames(tx, ctx, p, s));
  for (const BundleUser& u : p.users) SIGIL_TRY_VOID(apply_user(tx, ctx, tenant.id, u, s));
  for (const BundleSolutionUser& u : p.solution_users) {
    SIGIL_TRY_VOID(apply_solution_user(tx, tenant.id, u, s));
  }
  return s;
}

}  // namespace sigil::certmgr::bundle
