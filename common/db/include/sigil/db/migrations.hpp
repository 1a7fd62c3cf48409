#pragma once
// Schema migrations. The files proto/sql/NNN_name.sql are embedded into this library at build
// time (cmake/embed_migrations.cmake), so a binary carries the schema it was built for.
//
// migrate() runs in one transaction, under pg_advisory_xact_lock(kMigrationLock) so that
// concurrent migrators (several replicas starting at once) serialise: the first applies, the
// others then find nothing to do. It records each version in `schema_migrations` with the
// SHA-256 of the file, and refuses (kConflict, nothing changed) when
//   * an applied migration's checksum or name differs from the embedded one (someone edited
//     an applied file: migrations are append-only), or
//   * the database has a version this binary does not know (a newer binary migrated it).
//
// Thread-safety: pure functions over the connection given; a connection is one thread's.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>

#include "sigil/base/result.hpp"

namespace sigil::db {

/// One migration file, as embedded. The strings point into static storage.
struct EmbeddedMigration {
  int version;            ///< NNN
  std::string_view name;  ///< "NNN_name.sql"
  std::string_view sql;
};

/// The migrations compiled into this binary, in version order 1, 2, 3, ...
std::span<const EmbeddedMigration> embedded_migrations() noexcept;

/// Lower-case hex SHA-256 of a migration's SQL text, as recorded in schema_migrations.
std::string migration_checksum(std::string_view sql);

struct MigrationReport {
  std::vector<int> applied;  ///< versions applied by this run, in order; empty if up to date
  int schema_version = 0;    ///< the database's version after the run
};

/// Brings the database at `conninfo` up to date with embedded_migrations().
Result<MigrationReport> migrate(std::string_view conninfo);
/// The same on an open connection (no transaction may be open on it).
Result<MigrationReport> migrate(pqxx::connection& conn);
/// The same with an explicit list (tests).
Result<MigrationReport> migrate(pqxx::connection& conn,
                                std::span<const EmbeddedMigration> migrations);

}  // namespace sigil::db
