#include "sigil/db/server_cert_store.hpp"

#include <pqxx/result>

#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {
namespace {

std::string columns() {
  return "id, hostname, state, certificate_chain_pem, csr_pem, private_key_ciphertext, "
         "master_key_id, self_signed, " +
         internal::select_us("not_before") + ", " + internal::select_us("not_after") + ", " +
         internal::select_us("created_at") + ", " + internal::select_us("activated_at") + ", " +
         internal::select_us("superseded_at");
}

ServerCertRow row_of(const pqxx::row& r) {
  ServerCertRow c;
  c.id = r[0].as<std::int64_t>();
  c.hostname = r[1].as<std::string>();
  c.state = r[2].as<std::string>();
  if (!r[3].is_null()) c.certificate_chain_pem = r[3].as<std::string>();
  if (!r[4].is_null()) c.csr_pem = r[4].as<std::string>();
  c.private_key_ciphertext = r[5].as<std::string>();
  c.master_key_id = r[6].as<std::string>();
  c.self_signed = r[7].as<bool>();
  c.not_before = internal::optional_time_of(r[8]);
  c.not_after = internal::optional_time_of(r[9]);
  c.created_at = internal::time_of(r[10]);
  c.activated_at = internal::optional_time_of(r[11]);
  c.superseded_at = internal::optional_time_of(r[12]);
  return c;
}

std::optional<std::int64_t> us_of(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return internal::to_unix_us(*t);
}

}  // namespace

std::string server_cert_aad(std::string_view hostname) {
  return "server-cert;hostname=" + std::string(hostname);
}

Result<std::optional<std::string>> hostname_owner(pqxx::dbtransaction& tx,
                                                  std::string_view hostname, bool lock) {
  try {
    const pqxx::result r = tx.exec_params(
        std::string("SELECT t.name FROM tenant_hostnames h JOIN tenants t ON t.id = h.tenant_id "
                    "WHERE h.hostname = $1") +
            (lock ? " FOR SHARE OF h" : ""),
        std::string(hostname));
    if (r.empty()) return std::optional<std::string>();
    return std::optional<std::string>(r[0][0].as<std::string>());
  } catch (...) {
    return unexpected(current_db_error("read the owner of a tenant hostname"));
  }
}

Result<std::optional<ServerCertRow>> ServerCertStore::active(std::string_view hostname) {
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT " + columns() + " FROM server_certificates WHERE hostname = $1 AND state = "
        "'active'",
        std::string(hostname));
    if (r.empty()) return std::optional<ServerCertRow>();
    return std::optional<ServerCertRow>(row_of(r[0]));
  } catch (...) {
    return unexpected(current_db_error("read the active server certificate"));
  }
}

Result<std::vector<ServerCertRow>> ServerCertStore::active_hostnames() {
  try {
    const pqxx::result r = tx_.exec(
        "SELECT " + columns() + " FROM server_certificates WHERE hostname <> '' AND state = "
        "'active' ORDER BY hostname");
    std::vector<ServerCertRow> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(row_of(row));
    return out;
  } catch (...) {
    return unexpected(current_db_error("read the active server certificates"));
  }
}

Result<std::optional<ServerCertRow>> ServerCertStore::pending(std::string_view hostname) {
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT " + columns() + " FROM server_certificates WHERE hostname = $1 AND state = "
        "'pending'",
        std::string(hostname));
    if (r.empty()) return std::optional<ServerCertRow>();
    return std::optional<ServerCertRow>(row_of(r[0]));
  } catch (...) {
    return unexpected(current_db_error("read the pending server certificate"));
  }
}

Result<ServerCertRow> ServerCertStore::insert_pending(const NewServerCert& cert) {
  try {
    tx_.exec_params("DELETE FROM server_certificates WHERE hostname = $1 AND state = 'pending'",
                    cert.hostname);
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO server_certificates (hostname, state, certificate_chain_pem, csr_pem, "
        "private_key_ciphertext, master_key_id, self_signed, not_before, not_after) "
        "VALUES ($1, 'pending', $2, $3, $4, $5, $6, " + internal::param_ts(7) + ", " +
            internal::param_ts(8) + ") RETURNING " + columns(),
        cert.hostname, cert.certificate_chain_pem, cert.csr_pem, cert.private_key_ciphertext,
        cert.master_key_id, cert.self_signed, us_of(cert.not_before), us_of(cert.not_after));
    return row_of(r);
  } catch (...) {
    return unexpected(current_db_error("store the pending server certificate"));
  }
}

Result<void> ServerCertStore::supersede_active(const std::string& hostname, TimePoint now) {
  try {
    tx_.exec_params("UPDATE server_certificates SET state = 'previous', superseded_at = " +
                        internal::param_ts(2) + " WHERE hostname = $1 AND state = 'active'",
                    hostname, internal::to_unix_us(now));
    return {};
  } catch (...) {
    return unexpected(current_db_error("retire the active server certificate"));
  }
}

Result<ServerCertRow> ServerCertStore::activate_pending(std::int64_t id,
                                                        const std::string& chain_pem,
                                                        TimePoint not_before, TimePoint not_after,
                                                        TimePoint now) {
  try {
    const pqxx::result locked = tx_.exec_params(
        "SELECT hostname FROM server_certificates WHERE id = $1 AND state = 'pending' FOR UPDATE",
        id);
    if (locked.empty()) {
      return fail(Errc::kNotFound, "the pending server certificate request is gone "
                                   "(replaced by a newer CSR?)");
    }
    const std::string hostname = locked[0][0].as<std::string>();
    SIGIL_TRY_VOID(supersede_active(hostname, now));
    const pqxx::row r = tx_.exec_params1(
        "UPDATE server_certificates SET state = 'active', certificate_chain_pem = $2, "
        "not_before = " + internal::param_ts(3) + ", not_after = " + internal::param_ts(4) +
            ", activated_at = " + internal::param_ts(5) + " WHERE id = $1 RETURNING " + columns(),
        id, chain_pem, internal::to_unix_us(not_before), internal::to_unix_us(not_after),
        internal::to_unix_us(now));
    return row_of(r);
  } catch (...) {
    return unexpected(current_db_error("activate the server certificate"));
  }
}

Result<ServerCertRow> ServerCertStore::insert_active(const NewServerCert& cert, TimePoint now) {
  if (!cert.certificate_chain_pem) {
    return fail(Errc::kInvalidArgument, "an active server certificate needs its certificate");
  }
  SIGIL_TRY_VOID(supersede_active(cert.hostname, now));
  try {
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO server_certificates (hostname, state, certificate_chain_pem, csr_pem, "
        "private_key_ciphertext, master_key_id, self_signed, not_before, not_after, "
        "activated_at) VALUES ($1, 'active', $2, $3, $4, $5, $6, " + internal::param_ts(7) +
            ", " + internal::param_ts(8) + ", " + internal::param_ts(9) + ") RETURNING " +
            columns(),
        cert.hostname, cert.certificate_chain_pem, cert.csr_pem, cert.private_key_ciphertext,
        cert.master_key_id, cert.self_signed, us_of(cert.not_before), us_of(cert.not_after),
        internal::to_unix_us(now));
    return row_of(r);
  } catch (...) {
    return unexpected(current_db_error("store the server certificate"));
  }
}

}  // namespace sigil::db
