#pragma once
// The translation of libpqxx exceptions into sigil::Error: the one place that knows pqxx's
// exception hierarchy and SQLSTATE codes. Every `catch` in common/db ends in classify(), so no
// exception leaves this module and every caller sees the same codes:
//
//   unique_violation (23505), foreign_key_violation (23503)   -> kConflict
//   serialization_failure (40001), deadlock_detected (40P01)  -> kConflict, retryable
//   broken_connection, class 08, admin shutdown (57P0x),
//   too_many_connections (53300), statement timeout (57014)   -> kUnavailable
//   anything else                                             -> kInternal
//
// Error::message is "<what>: <short reason>" and safe to show; Error::detail is
// "SQLSTATE xxxxx: <server text>" (the text can quote row values, so it is logged, never sent).
//
// Thread-safety: pure functions.

#include <exception>
#include <string_view>

#include "sigil/base/error.hpp"

namespace sigil::db {

/// What a failed database call means for the caller.
struct DbFailure {
  Error error;
  /// A serialization failure or deadlock: running the whole transaction again may succeed.
  bool retryable = false;
  /// The connection is gone or in an unknown state: close it, never reuse it.
  bool connection_lost = false;
};

/// Classifies the exception `e` (normally std::current_exception()). `what` names the
/// operation, e.g. "insert signing key", and starts Error::message.
DbFailure classify(const std::exception_ptr& e, std::string_view what) noexcept;

/// classify(std::current_exception(), what).error. Call only inside a catch block.
Error current_db_error(std::string_view what) noexcept;

/// True for errors made from a serialization failure or deadlock (detail "SQLSTATE 40001: ..."
/// or "SQLSTATE 40P01: ..."), so transact() retries them even when a repository already
/// turned the exception into an Error.
bool is_retryable(const Error& e) noexcept;

}  // namespace sigil::db
