#include "sigil/db/audit_log.hpp"

#include <pqxx/result>

#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {
namespace {

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

// A NULL parameter for an absent value (libpqxx 6 has no std::optional parameters).
const char* nullable(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

}  // namespace

Result<void> AuditLogStore::append(const AuditEntry& e) {
  try {
    tx_.exec_params(
        "INSERT INTO audit_log (actor, action, tenant, target, old_value, new_value, detail) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)",
        e.actor, e.action, nullable(e.tenant), nullable(e.target), nullable(e.old_value),
        nullable(e.new_value), nullable(e.detail));
    return {};
  } catch (...) {
    return unexpected(current_db_error("write audit log"));
  }
}

Result<std::vector<AuditRow>> AuditLogStore::read(std::string_view tenant, std::int64_t limit,
                                                  bool newest_first) {
  try {
    std::vector<AuditRow> rows;
    for (const auto& r : tx_.exec_params(
             "SELECT id, " + internal::select_us("at") +
                 ", actor, action, tenant, target, old_value::text, new_value::text, detail "
                 "FROM audit_log WHERE lower(tenant) = lower($1) ORDER BY id" +
                 (newest_first ? " DESC" : "") + " LIMIT $2",
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

Result<std::vector<AuditRow>> AuditLogStore::list(std::string_view tenant, std::int64_t limit) {
  return read(tenant, limit, false);
}

Result<std::vector<AuditRow>> AuditLogStore::recent(std::string_view tenant, std::int64_t limit) {
  return read(tenant, limit, true);
}

}  // namespace sigil::db
