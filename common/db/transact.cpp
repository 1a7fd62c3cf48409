#include "sigil/db/transact.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include <pqxx/transaction>

#include "sigil/db/errors.hpp"

namespace sigil::db::detail {
namespace {

std::unique_ptr<pqxx::dbtransaction> begin(pqxx::connection& conn, Isolation isolation) {
  switch (isolation) {
    case Isolation::kRepeatableRead:
      return std::make_unique<pqxx::transaction<pqxx::repeatable_read>>(conn);
    case Isolation::kSerializable:
      return std::make_unique<pqxx::transaction<pqxx::serializable>>(conn);
    case Isolation::kReadCommitted:
      break;
  }
  return std::make_unique<pqxx::work>(conn);
}

// Repositories translate their own exceptions, so an error from `body` and an exception caught
// here carry the same information (errors.hpp); retry and discard decisions use the Error.
Result<void> attempt_once(pqxx::connection& conn, std::string_view what, Isolation isolation,
                          const TxBody& body) {
  try {
    auto tx = begin(conn, isolation);
    Result<void> r = body(*tx);
    if (!r) return r;  // the transaction's destructor rolls back
    tx->commit();
    return {};
  } catch (...) {
    return unexpected(current_db_error(what));
  }
}

void back_off(int attempt) {
  // 2, 4, 8, ... ms: enough for the conflicting transaction to finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 6)));
}

Result<void> attempt_with_retry(pqxx::connection& conn, std::string_view what,
                                const TransactOptions& options, const TxBody& body) {
  const int attempts = std::max(options.max_attempts, 1);
  for (int i = 1;; ++i) {
    Result<void> r = attempt_once(conn, what, options.isolation, body);
    if (r || !is_retryable(r.error()) || i >= attempts) return r;
    back_off(i);
  }
}

}  // namespace

Result<void> transact_on(pqxx::connection& conn, std::string_view what,
                         const TransactOptions& options, const TxBody& body) {
  return attempt_with_retry(conn, what, options, body);
}

Result<void> transact_pooled(ConnectionPool& pool, std::string_view what,
                             const TransactOptions& options, const TxBody& body) {
  SIGIL_TRY(PooledConnection conn, pool.acquire());
  Result<void> r = attempt_with_retry(*conn, what, options, body);
  // kUnavailable: the connection broke or is in an unknown state; never hand it out again.
  if (!r && r.error().code == Errc::kUnavailable) conn.discard();
  return r;
}

}  // namespace sigil::db::detail
