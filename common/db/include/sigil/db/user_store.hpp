#pragma once
// Local users: rows of `users` (password logins), read and written inside a caller's
// transaction.
//
// Names are unique per tenant ignoring case and Unicode compatibility forms: "Admin", "ADMIN"
// and the full-width "Ａｄｍｉｎ" are one user. Every lookup goes through the schema's
// normalised `name_key`, computed by the server from the name given.
//
// Groups are stored as bare names ("Administrators"); the issuer adds the "tenant\" prefix.
//
// Since migration 006 logins count failures per (user, source) in login_failure_store.hpp;
// the account-wide columns below are no longer written by logins. record_failure() and
// reset_failures() remain for them.
//
// Lockout bookkeeping (failed_login_count, first_failed_at, locked_until) is written with
// single UPDATE statements that compute the new values from the row itself, so concurrent
// failures for one user all count, whatever the isolation level: PostgreSQL re-evaluates the
// expressions on the latest row version when two updates race.
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::db {

struct NewUser {
  std::string name;
  std::string password_hash;  ///< PHC string from crypto::hash_password
  std::vector<std::string> groups;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
};

struct UserRow {
  std::int64_t id = 0;
  std::int64_t tenant_id = 0;
  std::string name;  ///< as created, e.g. "Administrator"
  std::string password_hash;
  std::vector<std::string> groups;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  bool disabled = false;
  std::int32_t failed_login_count = 0;
  std::optional<TimePoint> first_failed_at;
  std::optional<TimePoint> locked_until;
  TimePoint password_changed_at;
  TimePoint created_at;
};

/// What record_failure() left behind.
struct LoginFailureState {
  std::int32_t failed_login_count = 0;
  std::optional<TimePoint> locked_until;
};

/// The lockout rule applied by record_failure(): `max_failures` failures within `window` lock
/// the user for `lock_duration`.
struct LockoutRule {
  std::int32_t max_failures = 5;
  std::chrono::seconds window{180};
  std::chrono::seconds lock_duration{900};
};

class UserStore {
 public:
  explicit UserStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// kConflict if the tenant has a user of that (normalised) name; kNotFound for an unknown
  /// tenant; kInvalidArgument for a name the schema refuses (empty, surrounding blanks,
  /// control characters, invalid UTF-8) or a bad group name (see user_store_sql.hpp).
  Result<UserRow> create(std::int64_t tenant_id, const NewUser& user);
  /// The user whose normalised name matches `name`, or std::nullopt.
  Result<std::optional<UserRow>> find(std::int64_t tenant_id, std::string_view name);
  /// The user with this id, or std::nullopt.
  Result<std::optional<UserRow>> find_by_id(std::int64_t user_id);
  /// The tenant's users, by normalised name.
  Result<std::vector<UserRow>> list(std::int64_t tenant_id);
  /// kNotFound if there is no such user.
  Result<void> remove(std::int64_t tenant_id, std::string_view name);
  /// kNotFound if there is no such user.
  Result<void> set_disabled(std::int64_t tenant_id, std::string_view name, bool disabled);
  /// Replaces the user's groups (bare names). kNotFound if there is no such user.
  Result<void> set_groups(std::int64_t tenant_id, std::string_view name,
                          const std::vector<std::string>& groups);
  /// Replaces the hash, stamps password_changed_at and clears the lockout state, of every
  /// source too (a reset by an administrator unlocks). kNotFound if there is no such user.
  Result<void> set_password_hash(std::int64_t tenant_id, std::string_view name,
                                 std::string_view password_hash, TimePoint changed_at);

  /// Counts one failed login at `now`, in one UPDATE ... RETURNING:
  ///   * the count restarts at 1 when there was none, when the first counted failure is
  ///     `rule.window` or more before `now`, or when an earlier lock has expired;
  ///   * when the count reaches rule.max_failures, locked_until = now + rule.lock_duration;
  ///   * a lock still in force at `now` is never extended.
  /// kNotFound if the user is gone.
  Result<LoginFailureState> record_failure(std::int64_t user_id, TimePoint now,
                                           const LockoutRule& rule);
  /// Clears the count and any lock (after a successful login). kNotFound if the user is gone.
  Result<void> reset_failures(std::int64_t user_id);

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
