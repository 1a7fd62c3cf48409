#pragma once
// The bootstrap verbs (tenant, user, solution-user, admin-cert) write PostgreSQL directly
// (--db / SIGIL_DB, and the master key for signing keys): they create the administrators that
// certmgr's admin API needs, so they cannot go through it. Every key-set change they make (the
// first key of a new tenant) still goes through db::KeySetStore, so it is one transaction,
// audit-logged and announced to every sts replica (keyset generation + NOTIFY). The key-set,
// alarm and scheduler verbs use the admin API (admin_client.hpp). Also the shared CLI helpers.
//
// Thread-safety: used from main's thread only.

#include <cstdio>
#include <memory>
#include <string>

#include "config.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"

namespace sigil::ctl {

// A one-connection pool on --db, or a clear error.
Result<std::unique_ptr<db::ConnectionPool>> open_database(const SigilctlConfig& cfg);

// The master key from --master-key-file (default HOME/master.key), or a clear error.
Result<crypto::MasterKey> load_master_key(const SigilctlConfig& cfg);

// "sigilctl:<login name>" (or "sigilctl:uid=<n>"): the actor of audit-log rows.
std::string audit_actor();

// The whole file, or kInvalidArgument naming it.
Result<std::string> read_text_file(const std::string& path);

// Prints "sigilctl: <message>" and returns exit status 1.
int report_failure(std::FILE* err, const Error& error);

// Writes `text` as is.
void print(std::FILE* f, const std::string& text);

}  // namespace sigil::ctl
