#include "sigil/db/alarm_store.hpp"

#include <algorithm>

#include <pqxx/result>

#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {
namespace {

std::string columns() {
  return "a.id, a.tenant_id, coalesce(t.name, ''), a.kind, a.subject, a.severity, a.message, " +
         internal::select_us("a.first_raised_at") + ", " + internal::select_us("a.last_raised_at") +
         ", " + internal::select_us("a.last_notified_at") + ", " +
         internal::select_us("a.cleared_at");
}

const std::string kFrom = " FROM alarms a LEFT JOIN tenants t ON t.id = a.tenant_id ";

AlarmRow alarm_of(const pqxx::row& r) {
  AlarmRow a;
  a.id = r[0].as<std::int64_t>();
  if (!r[1].is_null()) a.tenant_id = r[1].as<std::int64_t>();
  a.tenant = r[2].as<std::string>();
  a.kind = r[3].as<std::string>();
  a.subject = r[4].as<std::string>();
  a.severity = r[5].as<std::string>();
  a.message = r[6].as<std::string>();
  a.first_raised_at = internal::time_of(r[7]);
  a.last_raised_at = internal::time_of(r[8]);
  a.last_notified_at = internal::optional_time_of(r[9]);
  a.cleared_at = internal::optional_time_of(r[10]);
  return a;
}

}  // namespace

Result<std::optional<AlarmRow>> AlarmStore::open(std::string_view kind, std::string_view subject) {
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT " + columns() + kFrom +
            "WHERE a.kind = $1 AND a.subject = $2 AND a.cleared_at IS NULL",
        std::string(kind), std::string(subject));
    if (r.empty()) return std::optional<AlarmRow>();
    return std::optional<AlarmRow>(alarm_of(r[0]));
  } catch (...) {
    return unexpected(current_db_error("read alarm"));
  }
}

Result<AlarmRow> AlarmStore::raise(std::optional<std::int64_t> tenant_id, std::string_view kind,
                                   std::string_view subject, std::string_view severity,
                                   std::string_view message, TimePoint at, bool notified) {
  try {
    const std::int64_t at_us = internal::to_unix_us(at);
    const pqxx::result updated = tx_.exec_params(
        "UPDATE alarms SET severity = $3, message = $4, last_raised_at = greatest(last_raised_at, " +
            internal::param_ts(5) + "), last_notified_at = CASE WHEN $6 THEN " +
            internal::param_ts(5) +
            " ELSE last_notified_at END WHERE kind = $1 AND subject = $2 AND cleared_at IS NULL "
            "RETURNING id",
        std::string(kind), std::string(subject), std::string(severity), std::string(message),
        at_us, notified);
    if (updated.empty()) {
      tx_.exec_params("INSERT INTO alarms (tenant_id, kind, subject, severity, message, "
                      "first_raised_at, last_raised_at, last_notified_at) VALUES ($1, $2, $3, $4, "
                      "$5, " + internal::param_ts(6) + ", " + internal::param_ts(6) +
                          ", CASE WHEN $7 THEN " + internal::param_ts(6) + " END)",
                      tenant_id, std::string(kind), std::string(subject), std::string(severity),
                      std::string(message), at_us, notified);
    }
    SIGIL_TRY(std::optional<AlarmRow> row, open(kind, subject));
    if (!row) return fail(Errc::kInternal, "alarm vanished after being raised");
    return std::move(*row);
  } catch (...) {
    return unexpected(current_db_error("raise alarm"));
  }
}

Result<bool> AlarmStore::clear(std::string_view kind, std::string_view subject, TimePoint at) {
  try {
    const pqxx::result r = tx_.exec_params(
        "UPDATE alarms SET cleared_at = greatest(first_raised_at, " + internal::param_ts(3) +
            ") WHERE kind = $1 AND subject = $2 AND cleared_at IS NULL RETURNING id",
        std::string(kind), std::string(subject), internal::to_unix_us(at));
    return !r.empty();
  } catch (...) {
    return unexpected(current_db_error("clear alarm"));
  }
}

Result<std::vector<AlarmRow>> AlarmStore::open_except(std::optional<std::int64_t> tenant_id,
                                                      std::string_view kind,
                                                      const std::vector<std::string>& keep) {
  try {
    std::vector<AlarmRow> out;
    const pqxx::result r = tx_.exec_params(
        "SELECT " + columns() + kFrom +
            "WHERE a.cleared_at IS NULL AND a.tenant_id IS NOT DISTINCT FROM $1 "
            "AND ($2 = '' OR a.kind = $2) ORDER BY a.id",
        tenant_id, std::string(kind));
    for (const auto& row : r) {
      AlarmRow a = alarm_of(row);
      if (std::find(keep.begin(), keep.end(), a.subject) == keep.end()) out.push_back(std::move(a));
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list open alarms"));
  }
}

Result<std::vector<ServerCertExpiry>> AlarmStore::active_server_certs() {
  try {
    std::vector<ServerCertExpiry> out;
    for (const auto& row : tx_.exec("SELECT hostname, " + internal::select_us("not_after") +
                                    " FROM server_certificates WHERE state = 'active' AND "
                                    "not_after IS NOT NULL ORDER BY hostname")) {
      out.push_back({row[0].as<std::string>(), internal::time_of(row[1])});
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list server certificates"));
  }
}

Result<std::vector<AlarmRow>> AlarmStore::list(bool include_cleared) {
  try {
    std::vector<AlarmRow> out;
    const pqxx::result r = tx_.exec(
        "SELECT " + columns() + kFrom +
        (include_cleared ? std::string() : std::string("WHERE a.cleared_at IS NULL ")) +
        "ORDER BY a.last_raised_at DESC, a.id DESC");
    for (const auto& row : r) out.push_back(alarm_of(row));
    return out;
  } catch (...) {
    return unexpected(current_db_error("list alarms"));
  }
}

}  // namespace sigil::db
