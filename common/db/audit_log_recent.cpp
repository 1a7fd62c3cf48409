#include "sigil/db/audit_log_recent.hpp"

#include <string>

#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {
namespace {

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

}  // namespace

Result<std::vector<AuditRow>> recent_audit_entries(pqxx::dbtransaction& tx,
                                                   std::string_view tenant, std::int64_t limit) {
  try {
    std::vector<AuditRow> rows;
    for (const auto& r : tx.exec_params(
             "SELECT id, " + internal::select_us("at") +
                 ", actor, action, tenant, target, old_value::text, new_value::text, detail "
                 "FROM audit_log WHERE lower(tenant) = lower($1) ORDER BY id DESC LIMIT $2",
             std::string(tenant), limit)) {
      AuditRow row;
      row.id = r[0].as<std::int64_t>();
      row.at = internal::time_of(r[1]);
      row.entry.actor = r[2].as<std::string>();
      row.entry.action = r[3].as<std::string>();
      row.entry.tenant = optional_text(r[4]);
      row.entry.target = optional_text(r[5]);
      row.entry.old_value = optional_text(r[6]);
      row.entry.new_value = optional_text(r[7]);
      row.entry.detail = optional_text(r[8]);
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (...) {
    return unexpected(current_db_error("read audit log"));
  }
}

}  // namespace sigil::db
