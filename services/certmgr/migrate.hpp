#pragma once
// Schema migration as certmgr runs it: at every start, and as the `migrate` command that
// quickstart and a Kubernetes init container call. sigil::db::migrate takes an advisory lock,
// so replicas starting together serialise and all but the first find nothing to do.
//
// Thread-safety: blocking; called from main() before the service threads start.

#include <chrono>
#include <string>

#include "sigil/base/log.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/migrations.hpp"

namespace sigil::certmgr {

/// Migrates, retrying while the database is unavailable (kUnavailable) until `wait` has passed.
/// Logs `event=db.migrated applied=1,2,3 schema_version=3`, and a warn line per retry; the final
/// error is returned, not logged.
Result<db::MigrationReport> migrate_database(const std::string& conninfo, std::chrono::seconds wait,
                                             const log::Logger& logger);

/// "applied migrations 1, 2, 3; schema version 3" or "schema is up to date (version 3)".
std::string describe(const db::MigrationReport& report);

}  // namespace sigil::certmgr
