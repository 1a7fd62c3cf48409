#include "sigil/db/errors.hpp"

#include <string>

#include <pqxx/except>

namespace sigil::db {
namespace {

constexpr std::string_view kStatePrefix = "SQLSTATE ";

struct Mapping {
  Errc code;
  const char* reason;
  bool retryable;
  bool connection_lost;
};

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

// SQLSTATE -> meaning. See https://www.postgresql.org/docs/15/errcodes-appendix.html.
Mapping map_sqlstate(std::string_view state) {
  if (state == "23505") return {Errc::kConflict, "already exists", false, false};
  if (state == "23503") {
    return {Errc::kConflict, "refers to a missing row, or is still referenced", false, false};
  }
  if (state == "40001" || state == "40P01") {
    return {Errc::kConflict, "concurrent change; try again", true, false};
  }
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return {Errc::kUnavailable, "database connection lost", false, true};
  }
  if (state == "53300") {
    return {Errc::kUnavailable, "database has too many connections", false, true};
  }
  if (state == "25006") {
    return {Errc::kUnavailable, "the database is read-only", false, false};
  }
  if (state == "53100") {
    return {Errc::kUnavailable, "the database is out of disk space", false, false};
  }
  if (state == "53200") return {Errc::kUnavailable, "the database is out of memory", false, false};
  if (state == "57014") return {Errc::kUnavailable, "database statement timed out", false, false};
  return {Errc::kInternal, "database error", false, false};
}

DbFailure make_failure(std::string_view what, const Mapping& m, std::string detail) {
  DbFailure f;
  f.error = make_error(m.code, std::string(what) + ": " + m.reason, std::move(detail));
  f.retryable = m.retryable;
  f.connection_lost = m.connection_lost;
  return f;
}

// The detail of every error with a known SQLSTATE starts "SQLSTATE xxxxx: " (is_retryable).
DbFailure with_state(const std::string& state, std::string_view text, std::string_view what) {
  return make_failure(what, map_sqlstate(state),
                      std::string(kStatePrefix) + state + ": " + trimmed(text));
}

DbFailure classify_sql_error(const pqxx::sql_error& e, std::string_view what) {
  const std::string& state = e.sqlstate();
  if (state.empty()) {
    return make_failure(what, {Errc::kInternal, "database error", false, false}, trimmed(e.what()));
  }
  return with_state(state, e.what(), what);
}

DbFailure classify_rethrown(const std::exception_ptr& e, std::string_view what) {
  try {
    std::rethrow_exception(e);
  } catch (const pqxx::sql_error& ex) {
    return classify_sql_error(ex, what);
  } catch (const pqxx::in_doubt_error& ex) {
    return make_failure(
        what, {Errc::kUnavailable, "connection lost during commit; outcome unknown", false, true},
        trimmed(ex.what()));
  } catch (const pqxx::broken_connection& ex) {
    return make_failure(what, {Errc::kUnavailable, "database connection lost", false, true},
                        trimmed(ex.what()));
  } catch (const pqxx::statement_completion_unknown& ex) {
    return make_failure(what, {Errc::kUnavailable, "database connection lost", false, true},
                        trimmed(ex.what()));
  } catch (const pqxx::deadlock_detected& ex) {
    return with_state("40P01", ex.what(), what);
  } catch (const pqxx::transaction_rollback& ex) {
    // serialization_failure, or a rollback libpqxx raised without a SQLSTATE.
    return with_state("40001", ex.what(), what);
  } catch (const std::exception& ex) {
    return make_failure(what, {Errc::kInternal, "database error", false, false},
                        trimmed(ex.what()));
  } catch (...) {
    return make_failure(what, {Errc::kInternal, "database error", false, false},
                        "unknown exception");
  }
}

}  // namespace

DbFailure classify(const std::exception_ptr& e, std::string_view what) noexcept {
  if (!e) {
    return make_failure(what, {Errc::kInternal, "database error", false, false}, "no exception");
  }
  return classify_rethrown(e, what);
}

Error current_db_error(std::string_view what) noexcept {
  return classify(std::current_exception(), what).error;
}

bool is_retryable(const Error& e) noexcept {
  if (e.code != Errc::kConflict) return false;
  std::string_view detail = e.detail;
  return detail.starts_with("SQLSTATE 40001:") || detail.starts_with("SQLSTATE 40P01:");
}

}  // namespace sigil::db
