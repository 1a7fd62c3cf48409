#pragma once
// Until certmgr's admin API exists, the tenant, user and solution-user verbs write PostgreSQL
// directly (--db / SIGIL_DB, and the master key for the tenant's signing key), as the issue that
// introduced them allows. They move behind the admin API with it; the verbs stay the same.
//
// Thread-safety: used from main's thread only.

#include <cstdio>
#include <memory>

#include "config.hpp"
#include "sigil/db/connection.hpp"

namespace sigil::ctl {

// A one-connection pool on --db, or a clear error.
Result<std::unique_ptr<db::ConnectionPool>> open_database(const SigilctlConfig& cfg);

// Prints "sigilctl: <message>" and returns exit status 1.
int report_failure(std::FILE* err, const Error& error);

}  // namespace sigil::ctl
