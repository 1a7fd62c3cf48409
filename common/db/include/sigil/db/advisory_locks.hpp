#pragma once
// The PostgreSQL advisory-lock keys Sigil uses, in one list so that no two uses collide.
// All are 64-bit keys in the single-bigint key space ("SIGL" in the high half), taken with
// pg_advisory_xact_lock unless noted.
//
// Thread-safety: constants.

#include <cstdint>

namespace sigil::db {

/// Serialises migration runs (migrations.hpp).
inline constexpr std::int64_t kMigrationLock = 0x5349'474C'0000'0001;
/// Taken by the change_log BEFORE INSERT trigger in proto/sql/001_initial.sql, so that seq
/// values commit in order. Keep the two in sync.
inline constexpr std::int64_t kChangeLogLock = 0x5349'474C'0000'0002;
/// Held (session-level, pg_try_advisory_lock) by the certmgr instance that runs the scheduler.
inline constexpr std::int64_t kCertmgrLeaderLock = 0x5349'474C'0000'0003;
/// Serialises creation of the deployment's built-in CA (ca_store.hpp).
inline constexpr std::int64_t kCaCreationLock = 0x5349'474C'0000'0004;

}  // namespace sigil::db
