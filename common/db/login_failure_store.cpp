#include "sigil/db/login_failure_store.hpp"

#include <string>

#include <pqxx/result>

#include "time_sql.hpp"
#include "user_store_sql.hpp"

#include "sigil/db/errors.hpp"

namespace sigil::db {
namespace {

using internal::optional_time_of;
using internal::param_ts;
using internal::select_us;
using internal::time_of;
using internal::to_unix_us;

constexpr std::size_t kMaxSource = 64;

Result<void> check_source(std::string_view source) {
  if (source.empty() || source.size() > kMaxSource || source.find('\0') != std::string_view::npos) {
    return fail(Errc::kInvalidArgument, "a login source is 1..64 bytes of text");
  }
  return {};
}

// $1 user, $2 source, $3 now, $4 now - window, $5 max failures, $6 now + lock duration.
// The ON CONFLICT expressions read the existing row (login_failures.*): when two failures race,
// the second waits for the first and re-evaluates them on the row it committed.
std::string record_failure_sql() {
  const std::string now = param_ts(3);
  const std::string restart = "(login_failures.first_failed_at <= " + param_ts(4) +
                              " OR coalesce(login_failures.locked_until <= " + now + ", false))";
  const std::string count =
      "(CASE WHEN " + restart + " THEN 1 ELSE login_failures.failed_count + 1 END)";
  return "INSERT INTO login_failures "
         "(user_id, source, failed_count, first_failed_at, locked_until) VALUES ($1, $2, 1, " +
         now + ", CASE WHEN 1 >= $5 THEN " + param_ts(6) +
         " END) ON CONFLICT (user_id, source) DO UPDATE SET failed_count = " + count +
         ", first_failed_at = CASE WHEN " + restart + " THEN " + now +
         " ELSE login_failures.first_failed_at END, locked_until = CASE WHEN "
         "login_failures.locked_until > " +
         now + " THEN login_failures.locked_until WHEN " + count + " >= $5 THEN " + param_ts(6) +
         " WHEN " + restart +
         " THEN NULL ELSE login_failures.locked_until END RETURNING "
         "failed_count, " +
         select_us("locked_until");
}

// Rows of the user's other sources whose window is over and that hold no lock in force.
std::string drop_dead_rows_sql() {
  return "DELETE FROM login_failures WHERE user_id = $1 AND source <> $2 AND first_failed_at <= " +
         param_ts(4) + " AND (locked_until IS NULL OR locked_until <= " + param_ts(3) + ")";
}

}  // namespace

Result<std::optional<SourceFailures>> LoginFailureStore::find(std::int64_t user_id,
                                                              std::string_view source) {
  if (!check_source(source)) return std::optional<SourceFailures>();
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT failed_count, " + select_us("first_failed_at") + ", " + select_us("locked_until") +
            " FROM login_failures WHERE user_id = $1 AND source = $2",
        user_id, std::string(source));
    if (r.empty()) return std::optional<SourceFailures>();
    SourceFailures row;
    row.failed_count = r[0][0].as<std::int32_t>();
    row.first_failed_at = time_of(r[0][1]);
    row.locked_until = optional_time_of(r[0][2]);
    return std::optional<SourceFailures>(row);
  } catch (...) {
    return unexpected(current_db_error("find login failures"));
  }
}

Result<LoginFailureState> LoginFailureStore::record_failure(std::int64_t user_id,
                                                            std::string_view source, TimePoint now,
                                                            const LockoutRule& rule) {
  SIGIL_TRY_VOID(check_source(source));
  try {
    const pqxx::result r = tx_.exec_params(record_failure_sql(), user_id, std::string(source),
                                           to_unix_us(now), to_unix_us(now - rule.window),
                                           rule.max_failures, to_unix_us(now + rule.lock_duration));
    LoginFailureState state;
    state.failed_login_count = r[0][0].as<std::int32_t>();
    state.locked_until = optional_time_of(r[0][1]);
    tx_.exec_params(drop_dead_rows_sql(), user_id, std::string(source), to_unix_us(now),
                    to_unix_us(now - rule.window));
    return state;
  } catch (...) {
    Error e = current_db_error("record login failure");
    // 23503 foreign_key_violation: the user was removed meanwhile.
    if (internal::has_sqlstate(e, "23503")) {
      return fail(Errc::kNotFound, "no such user", std::to_string(user_id));
    }
    return unexpected(std::move(e));
  }
}

Result<void> LoginFailureStore::reset(std::int64_t user_id, std::string_view source) {
  if (!check_source(source)) return {};
  try {
    tx_.exec_params("DELETE FROM login_failures WHERE user_id = $1 AND source = $2", user_id,
                    std::string(source));
    return {};
  } catch (...) {
    return unexpected(current_db_error("reset login failures"));
  }
}

Result<std::int64_t> LoginFailureStore::clear_user(std::int64_t user_id) {
  try {
    const pqxx::result r =
        tx_.exec_params("DELETE FROM login_failures WHERE user_id = $1", user_id);
    tx_.exec_params(
        "UPDATE users SET failed_login_count = 0, first_failed_at = NULL, locked_until = NULL "
        "WHERE id = $1",
        user_id);
    return static_cast<std::int64_t>(r.affected_rows());
  } catch (...) {
    return unexpected(current_db_error("clear login failures"));
  }
}

}  // namespace sigil::db
