#include "sigil/db/signing_key_store.hpp"

#include <pqxx/result>

#include "sigil/db/errors.hpp"
#include "time_sql.hpp"

namespace sigil::db {

NewSigningKey new_signing_key(const keys::SealedSigningKey& sealed, SigningKeySource source,
                              std::int64_t tenant_id) {
  NewSigningKey key;
  key.tenant_id = tenant_id;
  key.key_id = sealed.key_id;
  key.source = source;
  key.algorithm = sealed.algorithm;
  key.certificate_chain_pem = sealed.certificate_chain_pem;
  key.certificate_sha256 = sealed.certificate_sha256;
  key.private_key_ciphertext = sealed.private_key_ciphertext;
  key.master_key_id = sealed.master_key_id;
  key.not_before = sealed.not_before;
  key.not_after = sealed.not_after;
  return key;
}
namespace {

using internal::optional_time_of;
using internal::param_ts;
using internal::select_us;
using internal::time_of;
using internal::to_unix_us;

std::string columns() {
  return "id, tenant_id, key_id, state, source, algorithm, certificate_chain_pem, "
         "certificate_sha256, private_key_ciphertext, master_key_id, " +
         select_us("not_before") + ", " + select_us("not_after") + ", " + select_us("created_at") +
         ", " + select_us("activated_at") + ", " + select_us("deactivated_at") + ", " +
         select_us("verify_until") + ", " + select_us("retired_at");
}

SigningKeyState state_of(const std::string& s) {
  if (s == "active") return SigningKeyState::kActive;
  if (s == "verify-only") return SigningKeyState::kVerifyOnly;
  if (s == "retired") return SigningKeyState::kRetired;
  return SigningKeyState::kPending;  // the CHECK constraint admits nothing else
}

SigningKeyRow key_of(const pqxx::row& r) {
  SigningKeyRow k;
  k.id = r[0].as<std::int64_t>();
  k.tenant_id = r[1].as<std::int64_t>();
  k.key_id = r[2].as<std::string>();
  k.state = state_of(r[3].as<std::string>());
  k.source = r[4].as<std::string>() == "third-party" ? SigningKeySource::kThirdParty
                                                     : SigningKeySource::kBuiltinCa;
  k.algorithm = r[5].as<std::string>();
  k.certificate_chain_pem = r[6].as<std::string>();
  k.certificate_sha256 = r[7].as<std::string>();
  k.private_key_ciphertext = r[8].as<std::string>();
  k.master_key_id = r[9].as<std::string>();
  k.not_before = time_of(r[10]);
  k.not_after = time_of(r[11]);
  k.created_at = time_of(r[12]);
  k.activated_at = optional_time_of(r[13]);
  k.deactivated_at = optional_time_of(r[14]);
  k.verify_until = optional_time_of(r[15]);
  k.retired_at = optional_time_of(r[16]);
  return k;
}

bool has_sqlstate(const Error& e, std::string_view state) {
  return e.detail.starts_with("SQLSTATE " + std::string(state));
}

}  // namespace

std::string_view state_name(SigningKeyState state) noexcept {
  switch (state) {
    case SigningKeyState::kPending:
      return "pending";
    case SigningKeyState::kActive:
      return "active";
    case SigningKeyState::kVerifyOnly:
      return "verify-only";
    case SigningKeyState::kRetired:
      return "retired";
  }
  return "pending";
}

std::string_view source_name(SigningKeySource source) noexcept {
  return source == SigningKeySource::kThirdParty ? "third-party" : "builtin-ca";
}

Result<SigningKeyRow> SigningKeyStore::insert(const NewSigningKey& key) {
  try {
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO signing_keys (tenant_id, key_id, source, algorithm, certificate_chain_pem, "
        "certificate_sha256, private_key_ciphertext, master_key_id, not_before, not_after) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, " +
            param_ts(9) + ", " + param_ts(10) + ") RETURNING " + columns(),
        key.tenant_id, key.key_id, std::string(source_name(key.source)), key.algorithm,
        key.certificate_chain_pem, key.certificate_sha256, key.private_key_ciphertext,
        key.master_key_id, to_unix_us(key.not_before), to_unix_us(key.not_after));
    return key_of(r);
  } catch (...) {
    Error e = current_db_error("insert signing key");
    if (has_sqlstate(e, "23505")) e.message = "signing key " + key.key_id + " already exists";
    if (has_sqlstate(e, "23503")) {
      e.code = Errc::kNotFound;
      e.message = "no such tenant";
    }
    return unexpected(std::move(e));
  }
}

Result<void> SigningKeyStore::activate(std::int64_t tenant_id, std::string_view key_id,
                                       TimePoint at) {
  try {
    const pqxx::result r =
        tx_.exec_params("UPDATE signing_keys SET state = 'active', activated_at = " + param_ts(3) +
                            " WHERE tenant_id = $1 AND key_id = $2 AND state = 'pending'",
                        tenant_id, std::string(key_id), to_unix_us(at));
    if (r.affected_rows() == 0) {
      return explain_unchanged(tenant_id, key_id, SigningKeyState::kPending);
    }
    return {};
  } catch (...) {
    Error e = current_db_error("activate signing key");
    if (has_sqlstate(e, "23505")) e.message = "the tenant already has an active signing key";
    return unexpected(std::move(e));
  }
}

Result<void> SigningKeyStore::deactivate(std::int64_t tenant_id, std::string_view key_id,
                                         TimePoint at, TimePoint verify_until) {
  try {
    const pqxx::result r = tx_.exec_params(
        "UPDATE signing_keys SET state = 'verify-only', deactivated_at = " + param_ts(3) +
            ", verify_until = " + param_ts(4) +
            " WHERE tenant_id = $1 AND key_id = $2 AND state = 'active'",
        tenant_id, std::string(key_id), to_unix_us(at), to_unix_us(verify_until));
    if (r.affected_rows() == 0) {
      return explain_unchanged(tenant_id, key_id, SigningKeyState::kActive);
    }
    return {};
  } catch (...) {
    return unexpected(current_db_error("deactivate signing key"));
  }
}

// A state transition matched no row: the key is missing, or in the wrong state.
Result<void> SigningKeyStore::explain_unchanged(std::int64_t tenant_id, std::string_view key_id,
                                                SigningKeyState expected) {
  const pqxx::result r =
      tx_.exec_params("SELECT state FROM signing_keys WHERE tenant_id = $1 AND key_id = $2",
                      tenant_id, std::string(key_id));
  if (r.empty()) return fail(Errc::kKeyNotFound, "no such signing key", std::string(key_id));
  return fail(
      Errc::kConflict,
      "signing key is " + r[0][0].as<std::string>() + ", not " + std::string(state_name(expected)),
      std::string(key_id));
}

Result<std::vector<SigningKeyRow>> SigningKeyStore::list(std::int64_t tenant_id) {
  try {
    std::vector<SigningKeyRow> keys;
    for (const auto& row : tx_.exec_params("SELECT " + columns() +
                                               " FROM signing_keys WHERE tenant_id = $1 "
                                               "ORDER BY created_at DESC, id DESC",
                                           tenant_id)) {
      keys.push_back(key_of(row));
    }
    return keys;
  } catch (...) {
    return unexpected(current_db_error("list signing keys"));
  }
}

Result<std::vector<SigningKeyRow>> SigningKeyStore::list_verifying(std::int64_t tenant_id) {
  try {
    std::vector<SigningKeyRow> keys;
    for (const auto& row :
         tx_.exec_params("SELECT " + columns() +
                             " FROM signing_keys WHERE tenant_id = $1 AND state IN "
                             "('active', 'verify-only') ORDER BY state = 'active' DESC, "
                             "deactivated_at DESC NULLS LAST, id DESC",
                         tenant_id)) {
      keys.push_back(key_of(row));
    }
    return keys;
  } catch (...) {
    return unexpected(current_db_error("list verifying signing keys"));
  }
}

Result<std::vector<SigningKeyRow>> SigningKeyStore::list_verifying(std::int64_t tenant_id,
                                                                   TimePoint now) {
  try {
    std::vector<SigningKeyRow> keys;
    for (const auto& row : tx_.exec_params(
             "SELECT " + columns() +
                 " FROM signing_keys WHERE tenant_id = $1 AND (state = 'active' OR "
                 "(state = 'verify-only' AND verify_until > " +
                 param_ts(2) +
                 ")) ORDER BY state = 'active' DESC, deactivated_at DESC NULLS LAST, id DESC",
             tenant_id, to_unix_us(now))) {
      keys.push_back(key_of(row));
    }
    return keys;
  } catch (...) {
    return unexpected(current_db_error("list verifying signing keys"));
  }
}

Result<SigningKeyRow> SigningKeyStore::find(std::int64_t tenant_id, std::string_view key_id) {
  try {
    const pqxx::result r = tx_.exec_params(
        "SELECT " + columns() + " FROM signing_keys WHERE tenant_id = $1 AND key_id = $2",
        tenant_id, std::string(key_id));
    if (r.empty()) {
      return fail(Errc::kKeyNotFound, "no signing key " + std::string(key_id) + " in this tenant");
    }
    return key_of(r[0]);
  } catch (...) {
    return unexpected(current_db_error("find signing key"));
  }
}

Result<std::vector<SigningKeyRow>> SigningKeyStore::retire_due(std::int64_t tenant_id,
                                                               TimePoint now) {
  try {
    std::vector<SigningKeyRow> retired;
    for (const auto& row :
         tx_.exec_params("SELECT " + columns() +
                             " FROM signing_keys WHERE tenant_id = $1 AND state = 'verify-only' "
                             "AND verify_until <= " +
                             param_ts(2) + " ORDER BY verify_until, id FOR UPDATE",
                         tenant_id, to_unix_us(now))) {
      retired.push_back(key_of(row));
    }
    for (const SigningKeyRow& k : retired) {
      tx_.exec_params("UPDATE signing_keys SET state = 'retired', retired_at = greatest(" +
                          param_ts(2) + ", deactivated_at) WHERE id = $1",
                      k.id, to_unix_us(now));
    }
    return retired;
  } catch (...) {
    return unexpected(current_db_error("retire signing keys"));
  }
}

Result<std::vector<IssuedTokenRow>> SigningKeyStore::list_issued_tokens(std::int64_t tenant_id,
                                                                        TimePoint after,
                                                                        std::int64_t limit) {
  try {
    std::vector<IssuedTokenRow> tokens;
    for (const auto& r :
         tx_.exec_params("SELECT t.token_id, t.key_id, " + select_us("t.issued_at") + ", " +
                             select_us("t.not_on_or_after") +
                             " FROM issued_tokens t JOIN signing_keys k ON k.key_id = t.key_id "
                             "WHERE k.tenant_id = $1 AND t.not_on_or_after > " +
                             param_ts(2) + " ORDER BY t.not_on_or_after, t.token_id LIMIT $3",
                         tenant_id, to_unix_us(after), limit)) {
      IssuedTokenRow t;
      t.token_id = r[0].as<std::string>();
      t.key_id = r[1].as<std::string>();
      t.issued_at = time_of(r[2]);
      t.not_on_or_after = time_of(r[3]);
      tokens.push_back(std::move(t));
    }
    return tokens;
  } catch (...) {
    return unexpected(current_db_error("list issued tokens"));
  }
}

Result<void> SigningKeyStore::raise_verify_floor(std::int64_t tenant_id, std::string_view key_id,
                                                 TimePoint floor) {
  try {
    const pqxx::result r = tx_.exec_params(
        "UPDATE signing_keys SET verify_until = greatest(verify_until, " + param_ts(3) +
            ") WHERE tenant_id = $1 AND key_id = $2 AND state = 'active'",
        tenant_id, std::string(key_id), to_unix_us(floor));
    if (r.affected_rows() == 0) {
      return explain_unchanged(tenant_id, key_id, SigningKeyState::kActive);
    }
    return {};
  } catch (...) {
    return unexpected(current_db_error("raise verify floor"));
  }
}

Result<SigningKeyRow> SigningKeyStore::insert_active(const NewSigningKey& key, TimePoint at,
                                                     TimePoint previous_verify_until) {
  try {
    // Serialises rotations of this tenant (the keyset trigger updates this row anyway).
    const pqxx::result tenant =
        tx_.exec_params("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", key.tenant_id);
    if (tenant.empty()) return fail(Errc::kNotFound, "no such tenant");
    tx_.exec_params(
        "UPDATE signing_keys SET state = 'verify-only', deactivated_at = " + param_ts(2) +
            ", verify_until = " + param_ts(3) + " WHERE tenant_id = $1 AND state = 'active'",
        key.tenant_id, to_unix_us(at), to_unix_us(previous_verify_until));
  } catch (...) {
    return unexpected(current_db_error("deactivate the active signing key"));
  }
  SIGIL_TRY(SigningKeyRow row, insert(key));
  SIGIL_TRY_VOID(activate(key.tenant_id, key.key_id, at));
  row.state = SigningKeyState::kActive;
  row.activated_at = internal::from_unix_us(to_unix_us(at));  // as stored
  return row;
}

}  // namespace sigil::db
