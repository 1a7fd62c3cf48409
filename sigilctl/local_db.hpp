#pragma once
// Until certmgr's admin API exists, the tenant, user, solution-user, signing-cert and rotate
// verbs write PostgreSQL directly (--db / SIGIL_DB, and the master key for signing keys), as the
// issues that introduced them allow. They move behind the admin API with it; the verbs stay the
// same. Every key-set change still goes through db::KeySetStore, so it is one transaction,
// audit-logged and announced to every sts replica (keyset generation + NOTIFY).
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
