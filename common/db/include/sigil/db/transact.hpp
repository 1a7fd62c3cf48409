#pragma once
// Running a unit of work in one database transaction, with retry.
//
//   auto row = db::transact(pool, "create tenant", [&](pqxx::dbtransaction& tx) {
//     return db::TenantStore(tx).create("vsphere.local");
//   });
//
// The function receives an open transaction and returns a Result. The transaction commits
// only when the function returned a value; an error rolls it back and is returned as is. pqxx
// exceptions thrown by the function are translated (errors.hpp). A serialization failure or
// deadlock re-runs the function on a fresh transaction, up to max_attempts times, so the
// function must not have side effects outside the transaction. A lost connection is not
// retried: the lease is discarded and kUnavailable returned.
//
// Thread-safety: as ConnectionPool; the function runs on the calling thread.

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>

#include <pqxx/connection>
#include <pqxx/dbtransaction>

#include "sigil/base/result.hpp"
#include "sigil/db/connection.hpp"

namespace sigil::db {

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

struct TransactOptions {
  Isolation isolation = Isolation::kReadCommitted;
  int max_attempts = 5;  ///< attempts in all, counting the first
};

namespace detail {
using TxBody = std::function<Result<void>(pqxx::dbtransaction&)>;
Result<void> transact_on(pqxx::connection& conn, std::string_view what,
                         const TransactOptions& options, const TxBody& body);
Result<void> transact_pooled(ConnectionPool& pool, std::string_view what,
                             const TransactOptions& options, const TxBody& body);

// Adapts fn (returning Result<T>) to a TxBody that keeps the latest attempt's result in `out`.
template <class F, class R>
TxBody capture_into(F& fn, std::optional<R>& out) {
  return [&fn, &out](pqxx::dbtransaction& tx) -> Result<void> {
    out.emplace(fn(tx));
    if (!out->has_value()) return unexpected(out->error());
    return {};
  };
}
}  // namespace detail

/// Runs fn(pqxx::dbtransaction&) -> Result<T> in a transaction on a pooled connection.
template <class F>
auto transact(ConnectionPool& pool, std::string_view what, F&& fn, TransactOptions options = {})
    -> std::invoke_result_t<F&, pqxx::dbtransaction&> {
  using R = std::invoke_result_t<F&, pqxx::dbtransaction&>;
  std::optional<R> out;
  auto status = detail::transact_pooled(pool, what, options, detail::capture_into(fn, out));
  if (!status) return unexpected(std::move(status).error());
  return std::move(*out);
}

/// The same on a connection the caller owns (migrations, tests).
template <class F>
auto transact(pqxx::connection& conn, std::string_view what, F&& fn, TransactOptions options = {})
    -> std::invoke_result_t<F&, pqxx::dbtransaction&> {
  using R = std::invoke_result_t<F&, pqxx::dbtransaction&>;
  std::optional<R> out;
  auto status = detail::transact_on(conn, what, options, detail::capture_into(fn, out));
  if (!status) return unexpected(std::move(status).error());
  return std::move(*out);
}

}  // namespace sigil::db
