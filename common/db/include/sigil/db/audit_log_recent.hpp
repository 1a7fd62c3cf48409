#pragma once
// The newest audit-log entries of a tenant (certmgr's admin API: GET .../audit-log), newest
// first. AuditLogStore::list reads oldest first; an operator wants the latest changes.
//
// Thread-safety: bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/result.hpp"
#include "sigil/db/audit_log.hpp"

namespace sigil::db {

/// At most `limit` entries of `tenant` (compared case-insensitively), newest first.
Result<std::vector<AuditRow>> recent_audit_entries(pqxx::dbtransaction& tx,
                                                   std::string_view tenant, std::int64_t limit);

}  // namespace sigil::db
