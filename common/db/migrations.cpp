#include "sigil/db/migrations.hpp"

#include <algorithm>
#include <cstdio>

#include <openssl/evp.h>
#include <pqxx/dbtransaction>
#include <pqxx/result>

#include "sigil/db/advisory_locks.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/errors.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::db {
namespace {

constexpr std::string_view kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY CHECK (version > 0),
  name        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

struct Applied {
  int version = 0;
  std::string name;
  std::string checksum;
};

Result<void> check_embedded(std::span<const EmbeddedMigration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return fail(Errc::kInvalidArgument, "migrations must be numbered 1, 2, 3, ... without gaps",
                  std::string(migrations[i].name));
    }
  }
  return {};
}

std::vector<Applied> read_applied(pqxx::dbtransaction& tx) {
  std::vector<Applied> applied;
  for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations "
                                 "ORDER BY version")) {
    applied.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return applied;
}

// The applied versions must be exactly 1..k of the embedded ones, unchanged.
Result<void> check_applied(const std::vector<Applied>& applied,
                           std::span<const EmbeddedMigration> migrations) {
  const int known = static_cast<int>(migrations.size());
  for (std::size_t i = 0; i < applied.size(); ++i) {
    const Applied& a = applied[i];
    if (a.version > known) {
      return fail(Errc::kConflict,
                  "database schema version " + std::to_string(a.version) +
                      " is newer than this binary, which knows up to " + std::to_string(known),
                  "applied migration " + a.name);
    }
    if (a.version != static_cast<int>(i) + 1) {
      return fail(Errc::kConflict,
                  "schema_migrations has a gap before version " + std::to_string(a.version));
    }
    const EmbeddedMigration& m = migrations[i];
    if (a.name != m.name || a.checksum != migration_checksum(m.sql)) {
      return fail(Errc::kConflict,
                  "applied migration " + a.name + " differs from the embedded " +
                      std::string(m.name) + "; migrations are append-only",
                  "database checksum " + a.checksum + ", embedded " + migration_checksum(m.sql));
    }
  }
  return {};
}

Result<void> apply_one(pqxx::dbtransaction& tx, const EmbeddedMigration& m) {
  try {
    tx.exec(std::string(m.sql), std::string(m.name));
    tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                   m.version, std::string(m.name), migration_checksum(m.sql));
    return {};
  } catch (...) {
    return unexpected(current_db_error("apply migration " + std::string(m.name)));
  }
}

Result<MigrationReport> migrate_in(pqxx::dbtransaction& tx,
                                   std::span<const EmbeddedMigration> migrations) {
  tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
  tx.exec(std::string(kCreateTable));
  const std::vector<Applied> applied = read_applied(tx);
  SIGIL_TRY_VOID(check_applied(applied, migrations));
  MigrationReport report;
  for (std::size_t i = applied.size(); i < migrations.size(); ++i) {
    SIGIL_TRY_VOID(apply_one(tx, migrations[i]));
    report.applied.push_back(migrations[i].version);
  }
  report.schema_version = static_cast<int>(migrations.size());
  return report;
}

}  // namespace

std::string migration_checksum(std::string_view sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest with a static EVP_MD needs no handle; it fails only on allocation failure.
  SIGIL_CHECK(EVP_Digest(sql.data(), sql.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  std::string hex;
  hex.reserve(2 * static_cast<std::size_t>(length));
  for (unsigned int i = 0; i < length; ++i) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex.append(byte, 2);
  }
  return hex;
}

Result<MigrationReport> migrate(pqxx::connection& conn,
                                std::span<const EmbeddedMigration> migrations) {
  SIGIL_TRY_VOID(check_embedded(migrations));
  return transact(conn, "migrate database",
                  [&](pqxx::dbtransaction& tx) { return migrate_in(tx, migrations); });
}

Result<MigrationReport> migrate(pqxx::connection& conn) {
  return migrate(conn, embedded_migrations());
}

Result<MigrationReport> migrate(std::string_view conninfo) {
  SIGIL_TRY(auto conn, connect(conninfo));
  return migrate(*conn);
}

}  // namespace sigil::db
