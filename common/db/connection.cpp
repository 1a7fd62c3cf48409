#include "sigil/db/connection.hpp"

#include <pqxx/nontransaction>

#include "sigil/db/errors.hpp"

namespace sigil::db {

Result<std::unique_ptr<pqxx::connection>> connect(std::string_view conninfo) {
  try {
    auto conn = std::make_unique<pqxx::connection>(std::string(conninfo));
    // libpqxx 6 silently reconnects a broken connection on next use, losing session state
    // (LISTENs, advisory locks) without telling anyone. Sigil wants the break reported:
    // the pool discards the connection, the listener's owner re-reads what it caches.
#include <pqxx/internal/ignore-deprecated-pre.hxx>
    conn->inhibit_reactivation(true);
#include <pqxx/internal/ignore-deprecated-post.hxx>
    return conn;
  } catch (...) {
    Error e = current_db_error("connect to database");
    // A refused or misaddressed connection is the environment, not a bug.
    e.code = Errc::kUnavailable;
    return unexpected(std::move(e));
  }
}

Result<void> execute_outside_transaction(pqxx::connection& conn, const std::string& sql,
                                         std::string_view what) {
  try {
    pqxx::nontransaction tx(conn);
    tx.exec(sql);
    return {};
  } catch (...) {
    return unexpected(current_db_error(what));
  }
}

}  // namespace sigil::db
