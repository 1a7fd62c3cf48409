#include "sigil/db/ca_store.hpp"

#include <pqxx/result>

#include "sigil/db/advisory_locks.hpp"
#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {
namespace {

std::string columns() {
  return "id, state, subject_dn, certificate_pem, certificate_sha256, private_key_ciphertext, "
         "master_key_id, " +
         internal::select_us("not_before") + ", " + internal::select_us("not_after") + ", " +
         internal::select_us("created_at");
}

CaRow ca_of(const pqxx::row& r) {
  CaRow c;
  c.id = r[0].as<std::int64_t>();
  c.state = r[1].as<std::string>();
  c.subject_dn = r[2].as<std::string>();
  c.certificate_pem = r[3].as<std::string>();
  c.certificate_sha256 = r[4].as<std::string>();
  c.private_key_ciphertext = r[5].as<std::string>();
  c.master_key_id = r[6].as<std::string>();
  c.not_before = internal::time_of(r[7]);
  c.not_after = internal::time_of(r[8]);
  c.created_at = internal::time_of(r[9]);
  return c;
}

}  // namespace

Result<void> CaStore::lock_creation() {
  try {
    tx_.exec_params("SELECT pg_advisory_xact_lock($1)", kCaCreationLock);
    return {};
  } catch (...) {
    return unexpected(current_db_error("lock CA creation"));
  }
}

Result<std::optional<CaRow>> CaStore::active() {
  try {
    const pqxx::result r = tx_.exec(
        "SELECT " + columns() + " FROM ca_certificates WHERE tenant_id IS NULL AND state = "
        "'active'");
    if (r.empty()) return std::optional<CaRow>();
    return std::optional<CaRow>(ca_of(r[0]));
  } catch (...) {
    return unexpected(current_db_error("read the active CA"));
  }
}

Result<std::vector<CaRow>> CaStore::list() {
  try {
    std::vector<CaRow> out;
    for (const auto& row : tx_.exec("SELECT " + columns() +
                                    " FROM ca_certificates WHERE tenant_id IS NULL "
                                    "ORDER BY created_at DESC, id DESC")) {
      out.push_back(ca_of(row));
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list CA certificates"));
  }
}

Result<CaRow> CaStore::insert_active(const CaRow& row) {
  try {
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO ca_certificates (tenant_id, state, subject_dn, certificate_pem, "
        "certificate_sha256, private_key_ciphertext, master_key_id, not_before, not_after) "
        "VALUES (NULL, 'active', $1, $2, $3, $4, $5, " + internal::param_ts(6) + ", " +
            internal::param_ts(7) + ") RETURNING " + columns(),
        row.subject_dn, row.certificate_pem, row.certificate_sha256, row.private_key_ciphertext,
        row.master_key_id, internal::to_unix_us(row.not_before),
        internal::to_unix_us(row.not_after));
    return ca_of(r);
  } catch (...) {
    Error e = current_db_error("store the CA certificate");
    if (e.code == Errc::kConflict) e.message = "the deployment already has an active CA";
    return unexpected(std::move(e));
  }
}

}  // namespace sigil::db
