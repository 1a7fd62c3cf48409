#pragma once
// Helpers for the common/db integration tests: raw SQL through db::transact (so pqxx
// exceptions are translated exactly as in production code) and ready-made rows.
//
// Thread-safety: like the connection passed in.

#include <chrono>
#include <cstdint>
#include <string>

#include <pqxx/connection>
#include <pqxx/dbtransaction>
#include <pqxx/result>

#include "sigil/base/result.hpp"
#include "sigil/db/signing_key_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::db::test_util {

/// Runs `sql` in its own transaction.
inline Result<void> exec_sql(pqxx::connection& conn, const std::string& sql) {
  return transact(conn, "test sql", [&](pqxx::dbtransaction& tx) -> Result<void> {
    tx.exec(sql);
    return {};
  });
}

/// The first column of the first row of `sql`, as text ("" for NULL or no row).
inline Result<std::string> query_text(pqxx::connection& conn, const std::string& sql) {
  return transact(conn, "test query", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
    const auto r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return std::string();
    return r[0][0].as<std::string>();
  });
}

inline Result<TenantRow> create_tenant(pqxx::connection& conn, const std::string& name) {
  return transact(conn, "create tenant",
                  [&](pqxx::dbtransaction& tx) { return TenantStore(tx).create(name); });
}

/// A pending key with plausible (fake) material, valid for a year from `now`.
inline NewSigningKey test_key(std::int64_t tenant_id, const std::string& key_id,
                              TimePoint now = std::chrono::system_clock::now()) {
  NewSigningKey k;
  k.tenant_id = tenant_id;
  k.key_id = key_id;
  k.source = SigningKeySource::kBuiltinCa;
  k.algorithm = "rsa-sha256";
  k.certificate_chain_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  k.certificate_sha256 = std::string(64, 'a');
  k.private_key_ciphertext = "v1:test-master:ciphertext";
  k.master_key_id = "test-master";
  k.not_before = now - std::chrono::hours(1);
  k.not_after = now + std::chrono::hours(24 * 365);
  return k;
}

inline Result<SigningKeyRow> insert_key(pqxx::connection& conn, const NewSigningKey& key) {
  return transact(conn, "insert key",
                  [&](pqxx::dbtransaction& tx) { return SigningKeyStore(tx).insert(key); });
}

inline Result<void> activate_key(pqxx::connection& conn, std::int64_t tenant_id,
                                 const std::string& key_id,
                                 TimePoint at = std::chrono::system_clock::now()) {
  return transact(conn, "activate key", [&](pqxx::dbtransaction& tx) {
    return SigningKeyStore(tx).activate(tenant_id, key_id, at);
  });
}

}  // namespace sigil::db::test_util
