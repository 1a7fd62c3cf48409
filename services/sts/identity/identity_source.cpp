// IdentitySource: tenants and password logins. Certificate logins and subject lookups are in
// subject_lookup.cpp.

#include "sts/identity/identity_source.hpp"

#include <utility>

#include <pqxx/dbtransaction>

#include "sigil/base/ascii.hpp"
#include "sigil/crypto/password.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sts/identity/principal_rows.hpp"

namespace sigil::sts::identity {
namespace {

// Presented names are untrusted and only bounded by the request size; logs get a prefix.
constexpr std::size_t kMaxLoggedName = 256;

std::string_view loggable(std::string_view name) { return name.substr(0, kMaxLoggedName); }

Error auth_error(std::string_view reason) {
  return make_error(Errc::kAuthFailed, std::string(kAuthFailedMessage),
                    "reason=" + std::string(reason));
}

}  // namespace

Result<TenantPolicy> IdentitySource::load_tenant(std::string_view tenant) {
  if (!db::is_valid_tenant_name(tenant)) return fail(Errc::kNotFound, "no such tenant");
  auto row = db::transact(pool_, "load tenant", [&](pqxx::dbtransaction& tx) {
    return db::TenantStore(tx).find(tenant);
  });
  if (!row) {
    if (row.error().code == Errc::kUnavailable) return stale_policy(tenant, std::move(row).error());
    return unexpected(std::move(row).error());
  }
  TenantPolicy policy = policy_of(*row);
  std::lock_guard lock(stale_mu_);
  if (stale_logged_) log_.info("tenant.policy_fresh", {{"tenant", policy.name}});
  stale_logged_ = false;
  last_policy_.insert_or_assign(std::string(tenant), policy);
  return policy;
}

Result<TenantPolicy> IdentitySource::stale_policy(std::string_view tenant, Error unavailable) {
  std::lock_guard lock(stale_mu_);
  auto it = last_policy_.find(tenant);
  if (it == last_policy_.end()) return unexpected(std::move(unavailable));
  if (!stale_logged_) {
    log_.warn("tenant.policy_stale", {{"tenant", it->second.name},
                                      {"message", unavailable.message},
                                      {"using", "last policy read"}});
    stale_logged_ = true;
  }
  return it->second;
}

Result<IdentitySource::UserLookup> IdentitySource::load_user(std::string_view tenant,
                                                             std::string_view name,
                                                             std::string_view source) {
  if (!db::is_valid_tenant_name(tenant)) return fail(Errc::kNotFound, "no such tenant");
  return db::transact(pool_, "load user", [&](pqxx::dbtransaction& tx) -> Result<UserLookup> {
    SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).find(tenant));
    UserLookup out;
    out.tenant = policy_of(row);
    SIGIL_TRY(out.user, db::UserStore(tx).find(row.id, name));
    if (!out.user) return out;
    SIGIL_TRY(out.failures, db::LoginFailureStore(tx).find(out.user->id, source));
    return out;
  });
}

Result<Principal> IdentitySource::authenticate_password(std::string_view tenant,
                                                        std::string_view username,
                                                        std::string_view password,
                                                        std::string_view source) {
  if (source.empty()) source = kUnknownSource;
  if (throttle_ != nullptr && !throttle_->try_acquire(source, clock_.now())) {
    log_.debug("auth.throttled", {{"tenant", tenant}, {"source", source}});
    return fail(Errc::kRateLimited, "too many login attempts from this address; try again later",
                "reason=rate_limited");
  }
  const LoginName login = parse_login_name(username);
  SIGIL_TRY(UserLookup found, load_user(tenant, login.name, source));
  const TenantPolicy& t = found.tenant;
  if (login.domain && !equal_ignoring_ascii_case(*login.domain, t.name)) {
    return unexpected(reject_after_dummy(t, username, password, "wrong_domain"));
  }
  if (!found.user) return unexpected(reject_after_dummy(t, username, password, "unknown_user"));
  const db::UserRow& user = *found.user;
  if (user.disabled) return unexpected(reject_after_dummy(t, username, password, "disabled"));
  // Locked for this source: answer as for a wrong password, in the same time, without looking
  // at it.
  if (found.failures && found.failures->locked_until &&
      *found.failures->locked_until > clock_.now()) {
    return unexpected(reject_after_dummy(t, username, password, "locked"));
  }
  return check_password(t, found, username, password, source);
}

Result<Principal> IdentitySource::check_password(const TenantPolicy& tenant,
                                                 const UserLookup& found,
                                                 std::string_view username,
                                                 std::string_view password,
                                                 std::string_view source) {
  const db::UserRow& user = *found.user;
  Result<bool> matches = crypto::verify_password(password, user.password_hash);
  if (!matches) {
    // Refused before any hashing: spend the time anyway, so the answer's timing does not
    // reveal that this user exists.
    crypto::dummy_verify(password);
    if (matches.error().code == Errc::kPayloadTooLarge) {
      return unexpected(reject_bad_password(tenant, user, username, source));  // nobody's
    }
    // A stored hash we cannot read: an operator has to fix the row.
    return unexpected(reject(log::Level::kError, tenant, username, "password", "bad_hash"));
  }
  if (!*matches) return unexpected(reject_bad_password(tenant, user, username, source));
  if (throttle_ != nullptr) throttle_->refund(source, clock_.now());
  if (found.failures) clear_failures(tenant, user, source);
  log_.debug("auth.succeeded",
             {{"tenant", tenant.name}, {"user", user.name}, {"method", "password"}});
  return principal_of(tenant, user);
}

Error IdentitySource::reject_bad_password(const TenantPolicy& tenant, const db::UserRow& user,
                                          std::string_view username, std::string_view source) {
  const TimePoint now = clock_.now();
  auto state = db::transact(pool_, "record login failure", [&](pqxx::dbtransaction& tx) {
    return db::LoginFailureStore(tx).record_failure(user.id, source, now, tenant.lockout);
  });
  if (!state) {
    // The answer is still "wrong password"; only the count is lost.
    log_.error(
        "auth.lockout_write_failed",
        {{"tenant", tenant.name}, {"user", user.name}, {"error", state.error().to_string()}});
    return reject(log::Level::kInfo, tenant, username, "password", "bad_password");
  }
  const bool locked = state->locked_until && *state->locked_until > now;
  log_.info("auth.failed", {{"tenant", tenant.name},
                            {"user", loggable(username)},
                            {"method", "password"},
                            {"reason", "bad_password"},
                            {"source", source},
                            {"failures", state->failed_login_count},
                            {"locked", locked}});
  return auth_error("bad_password");
}

void IdentitySource::clear_failures(const TenantPolicy& tenant, const db::UserRow& user,
                                    std::string_view source) {
  auto cleared = db::transact(pool_, "reset login failures", [&](pqxx::dbtransaction& tx) {
    return db::LoginFailureStore(tx).reset(user.id, source);
  });
  // The password was right; a stale count only makes a later lock come sooner.
  if (!cleared) {
    log_.warn(
        "auth.lockout_reset_failed",
        {{"tenant", tenant.name}, {"user", user.name}, {"error", cleared.error().to_string()}});
  }
}

Error IdentitySource::reject(log::Level level, const TenantPolicy& tenant, std::string_view user,
                             std::string_view method, std::string_view reason) const {
  log_.write(
      level, "auth.failed",
      {{"tenant", tenant.name}, {"user", loggable(user)}, {"method", method}, {"reason", reason}});
  return auth_error(reason);
}

Error IdentitySource::reject_after_dummy(const TenantPolicy& tenant, std::string_view user,
                                         std::string_view password, std::string_view reason) const {
  crypto::dummy_verify(password);
  return reject(log::Level::kInfo, tenant, user, "password", reason);
}

}  // namespace sigil::sts::identity
