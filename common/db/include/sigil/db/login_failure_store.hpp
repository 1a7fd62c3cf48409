#pragma once
// Password-failure bookkeeping per (user, source): rows of `login_failures`
// (proto/sql/006_login_failures.sql), read and written inside a caller's transaction.
//
// A source is an opaque short string naming where the attempts come from (sts uses the client
// address, docs/identity.md). record_failure() is one INSERT ... ON CONFLICT DO UPDATE whose
// expressions read the row itself, so concurrent failures for one (user, source) all count,
// whatever the isolation level; every sts replica shares the rows.
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/user_store.hpp"

namespace sigil::db {

/// One (user, source) row.
struct SourceFailures {
  std::int32_t failed_count = 0;
  TimePoint first_failed_at;
  std::optional<TimePoint> locked_until;
};

class LoginFailureStore {
 public:
  explicit LoginFailureStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// The row of (user, source), or std::nullopt when that source has no failures counted.
  Result<std::optional<SourceFailures>> find(std::int64_t user_id, std::string_view source);

  /// Counts one failed login from `source` at `now` (LockoutRule as UserStore documents it,
  /// applied to this source's row only):
  ///   * the count restarts at 1 when there was no row, when the first counted failure is
  ///     `rule.window` or more before `now`, or when an earlier lock has expired;
  ///   * when the count reaches rule.max_failures, locked_until = now + rule.lock_duration;
  ///   * a lock still in force at `now` is never extended.
  /// It also deletes the user's rows of other sources that can no longer matter (window over,
  /// no lock in force), so the table holds only live rows. kNotFound if the user is gone;
  /// kInvalidArgument for an empty source or one longer than 64 bytes.
  Result<LoginFailureState> record_failure(std::int64_t user_id, std::string_view source,
                                           TimePoint now, const LockoutRule& rule);

  /// Forgets the failures of (user, source) (after a successful login from there).
  Result<void> reset(std::int64_t user_id, std::string_view source);

  /// Forgets every source's failures and locks of the user (sigilctl user unlock, a password
  /// reset). Returns how many sources had a row.
  Result<std::int64_t> clear_user(std::int64_t user_id);

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
