#pragma once
// The local identity source: who may get a token from a tenant, checked against PostgreSQL.
//
// Users log in with a password (WS-Trust UsernameToken); solution users with their exact
// certificate (a signed request or TLS client certificate). A token being renewed or
// exchanged names its subject by UPN, and lookup_subject() re-reads that subject so that
// removed or disabled principals stop getting tokens and group changes take effect.
//
// Failures are indistinguishable on purpose (docs/reference/threats.md §3.6): unknown user, wrong
// domain, wrong password, disabled and locked all return the same Error, code kAuthFailed and
// message "Authentication failed", after spending the same scrypt time (crypto::dummy_verify when
// there is no hash to check). Only Error::detail ("reason=...") and one log line say which:
//   event=auth.failed tenant=.. user=.. method=password reason=unknown_user|wrong_domain|
//     bad_password|disabled|locked|bad_hash  (bad_password adds source=.. failures=N
//     locked=bool, counted for that source)
//   event=auth.throttled tenant=.. source=.. (debug: the metric counts them)
//   event=auth.failed ... method=certificate user=sha256:<hex> reason=unknown_certificate|
//     disabled|certificate_expired|certificate_not_yet_valid|unreadable_certificate|
//     no_certificate
//   event=auth.failed ... method=subject reason=unknown_subject|disabled|wrong_domain
// Presented names are logged truncated to 256 bytes; passwords are never logged. Errors that
// are not about the credential pass through: an unknown tenant is kNotFound (HTTP 404), a
// database outage kUnavailable.
//
// Throttling (login_throttle.hpp): before anything else a password attempt takes one attempt
// from its client source's token bucket; with none left it fails at once with kRateLimited
// ("too many login attempts from this address"), no database read and no scrypt. A successful
// login gives the attempt back.
//
// Lockout, per (user, source) (docs/identity.md): a wrong password counts one failure for the
// user *from that source* (db::LoginFailureStore::record_failure, one atomic upsert, so
// concurrent failures all count, on every replica). lockout_max_failures failures within
// lockout_window_s lock the user for that source for lockout_duration_s. While locked, an
// attempt from that source is not even checked, the lock is not extended, and a correct
// password fails too; other sources are not affected. A successful login clears its source's
// count. sigilctl user unlock (and a password reset) clears every source. Requests already past
// the lock check when the lock is set still verify their password, so at most (blocking-pool
// threads) guesses can overlap the moment of locking.
//
// Everything here is synchronous and slow (scrypt is ~100 ms of CPU, plus database round
// trips): callers run it on the blocking thread pool, never on an io_context thread.
//
// Thread-safety: thread-safe; the pool, clock and logger must outlive the source.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/x509.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/user_store.hpp"
#include "sigil/db/login_failure_store.hpp"
#include "sts/identity/login_throttle.hpp"
#include "sts/identity/principal.hpp"
#include "sts/identity/tenant_policy.hpp"

namespace sigil::sts::identity {

/// The message of every authentication failure, as vCenter words it.
inline constexpr std::string_view kAuthFailedMessage = "Authentication failed";

/// The source of password attempts whose client address is not known (direct calls, tests).
inline constexpr std::string_view kUnknownSource = "unknown";

/// Which table a subject may come from (lookup_subject).
enum class SubjectKind { kAny, kUser, kSolutionUser };

class IdentitySource {
 public:
  /// `throttle` (may be null: no throttling) must outlive the source.
  IdentitySource(db::ConnectionPool& pool, const Clock& clock, const log::Logger& logger,
                 LoginThrottle* throttle = nullptr) noexcept
      : pool_(pool), clock_(clock), log_(logger), throttle_(throttle) {}

  /// The tenant's token and lockout policy. kNotFound for an unknown tenant.
  /// While PostgreSQL is unreachable it answers with the last policy it read for the tenant
  /// (warn log tenant.policy_stale, once per outage), so that tokens keep validating against
  /// the in-memory key sets through a database restart; kUnavailable when it has none.
  Result<TenantPolicy> load_tenant(std::string_view tenant);

  /// Checks a password login. `username` may be "name", "name@tenant" or "tenant\name"; the
  /// domain part must be this tenant (ignoring case). `source` names where the attempt comes
  /// from (client_source() of the client's address; empty: kUnknownSource); throttling and
  /// lockout count per source. kRateLimited when the source has no attempts left.
  Result<Principal> authenticate_password(std::string_view tenant, std::string_view username,
                                          std::string_view password,
                                          std::string_view source = {});

  /// The enabled solution user registered with exactly `cert` (SHA-256 of its DER), valid at
  /// the clock's time (not_before may be up to the tenant's clock tolerance ahead). Checking
  /// the request signature made with the certificate is the caller's job.
  Result<Principal> authenticate_certificate(std::string_view tenant, X509* cert);

  /// The current state of a token's subject, by UPN ("name@TENANT"; "tenant\name" and bare
  /// names are accepted too). kAuthFailed if it no longer exists or is disabled. A locked user
  /// is still found: a lock stops password guessing, not tokens already obtained. With kAny a
  /// user wins over a solution user of the same name.
  Result<Principal> lookup_subject(std::string_view tenant, std::string_view upn,
                                   SubjectKind kind = SubjectKind::kAny);

 private:
  struct UserLookup {
    TenantPolicy tenant;
    std::optional<db::UserRow> user;
    std::optional<db::SourceFailures> failures;  // of the user from the attempt's source
  };
  struct SubjectLookup {
    TenantPolicy tenant;
    std::optional<db::UserRow> user;
    std::optional<db::SolutionUserRow> solution_user;
  };
  Result<UserLookup> load_user(std::string_view tenant, std::string_view name,
                               std::string_view source);
  Result<TenantPolicy> stale_policy(std::string_view tenant, Error unavailable);
  Result<SubjectLookup> load_subject(std::string_view tenant, std::string_view name,
                                     SubjectKind kind);
  Result<SubjectLookup> load_certificate_user(std::string_view tenant,
                                              const std::string& sha256_hex);
  Result<Principal> check_password(const TenantPolicy& tenant, const UserLookup& found,
                                   std::string_view username, std::string_view password,
                                   std::string_view source);
  Result<Principal> check_certificate(const TenantPolicy& tenant,
                                      const std::optional<db::SolutionUserRow>& row, X509* cert,
                                      const std::string& sha256_hex);
  Error reject_bad_password(const TenantPolicy& tenant, const db::UserRow& user,
                            std::string_view username, std::string_view source);
  void clear_failures(const TenantPolicy& tenant, const db::UserRow& user,
                      std::string_view source);
  /// Logs event=auth.failed and returns the one authentication Error.
  Error reject(log::Level level, const TenantPolicy& tenant, std::string_view user,
               std::string_view method, std::string_view reason) const;
  /// reject() after spending the time of one password verification.
  Error reject_after_dummy(const TenantPolicy& tenant, std::string_view user,
                           std::string_view password, std::string_view reason) const;

  db::ConnectionPool& pool_;
  const Clock& clock_;
  const log::Logger& log_;
  LoginThrottle* throttle_;

  std::mutex stale_mu_;  // guards the two below
  std::map<std::string, TenantPolicy, std::less<>> last_policy_;
  bool stale_logged_ = false;
};

}  // namespace sigil::sts::identity
