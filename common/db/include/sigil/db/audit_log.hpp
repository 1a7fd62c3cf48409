#pragma once
// The audit log: who changed what, appended inside the transaction that made the change, so a
// change and its record commit or roll back together. The table refuses UPDATE, DELETE and
// TRUNCATE (proto/sql/001_initial.sql). `at` is the database's clock (real time, also when an
// operation runs "as if" at another time; the operation's own time goes into new_value).
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::db {

struct AuditEntry {
  std::string actor;   ///< e.g. "sigilctl:root", "sigil-sts"
  std::string action;  ///< e.g. "signing-key.rotate"
  std::optional<std::string> tenant;
  std::optional<std::string> target;     ///< e.g. a key id
  std::optional<std::string> old_value;  ///< JSON object text, or nothing
  std::optional<std::string> new_value;  ///< JSON object text, or nothing
  std::optional<std::string> detail;
};

struct AuditRow {
  std::int64_t id = 0;
  TimePoint at;
  AuditEntry entry;
};

class AuditLogStore {
 public:
  explicit AuditLogStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  Result<void> append(const AuditEntry& entry);
  /// The tenant's entries (name compared case-insensitively), oldest first, at most `limit`.
  Result<std::vector<AuditRow>> list(std::string_view tenant, std::int64_t limit = 1000);
  /// The tenant's newest entries, newest first, at most `limit` (certmgr's audit-log endpoint).
  Result<std::vector<AuditRow>> recent(std::string_view tenant, std::int64_t limit);

 private:
  Result<std::vector<AuditRow>> read(std::string_view tenant, std::int64_t limit,
                                     bool newest_first);

  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
