#include "sigil/db/solution_user_store.hpp"

#include <pqxx/result>

#include "sigil/base/xml_text.hpp"
#include "sigil/db/errors.hpp"
#include "time_sql.hpp"
#include "user_store_sql.hpp"

namespace sigil::db {
namespace {

using internal::has_sqlstate;
using internal::is_lookup_name;
using internal::name_key_param;

std::string columns() {
  return "id, tenant_id, name, certificate_pem, certificate_sha256, groups, disabled, " +
         internal::select_us("created_at");
}

SolutionUserRow solution_user_of(const pqxx::row& r) {
  SolutionUserRow u;
  u.id = r[0].as<std::int64_t>();
  u.tenant_id = r[1].as<std::int64_t>();
  u.name = r[2].as<std::string>();
  u.certificate_pem = r[3].as<std::string>();
  u.certificate_sha256 = r[4].as<std::string>();
  u.groups = internal::text_array_of(r[5]);
  u.disabled = r[6].as<bool>();
  u.created_at = internal::time_of(r[7]);
  return u;
}

// Lower-case hex of exactly 32 bytes, or "" if `hex` is not that (any case accepted).
std::string normalized_sha256(std::string_view hex) {
  if (hex.size() != 64) return {};
  std::string out(hex);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  }
  return out;
}

Error create_error(std::string_view name) {
  Error e = current_db_error("create solution user");
  if (has_sqlstate(e, "23505")) {
    const bool cert = e.detail.find("solution_users_cert_unique") != std::string::npos;
    e.message = cert ? "a solution user with this certificate already exists"
                     : "solution user " + std::string(name) + " already exists";
  }
  if (has_sqlstate(e, "23503")) {
    e.code = Errc::kNotFound;
    e.message = "no such tenant";
  }
  if (has_sqlstate(e, "23514")) {
    e.code = Errc::kInvalidArgument;
    e.message =
        "solution user name must be non-empty, without surrounding blanks or control "
        "characters, and the certificate non-empty";
  }
  return e;
}

Result<void> one_row_changed(const pqxx::result& r, std::string_view name) {
  if (r.affected_rows() == 0) {
    return fail(Errc::kNotFound, "no such solution user", std::string(name));
  }
  return {};
}

Result<std::optional<SolutionUserRow>> first_of(const pqxx::result& r) {
  if (r.empty()) return std::optional<SolutionUserRow>();
  return std::optional<SolutionUserRow>(solution_user_of(r[0]));
}

}  // namespace

Result<SolutionUserRow> SolutionUserStore::create(std::int64_t tenant_id, std::string_view name,
                                                  std::string_view certificate_pem,
                                                  std::string_view certificate_sha256_hex,
                                                  const std::vector<std::string>& groups) {
  const std::string digest = normalized_sha256(certificate_sha256_hex);
  if (digest.empty()) {
    return fail(Errc::kInvalidArgument, "certificate digest must be 64 hex digits");
  }
  if (!is_lookup_name(name) || !is_xml_chars(name) ||
      certificate_pem.find('\0') != std::string_view::npos) {
    return fail(Errc::kInvalidArgument,
                "solution user name is not UTF-8 text XML can carry (no control characters but "
                "tab, LF, CR; no U+FFFE/U+FFFF)");
  }
  SIGIL_TRY_VOID(internal::check_groups(groups));
  try {
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO solution_users (tenant_id, name, certificate_pem, certificate_sha256, "
        "groups) VALUES ($1, $2, $3, $4, $5::text[]) RETURNING " +
            columns(),
        tenant_id, std::string(name), std::string(certificate_pem), digest,
        internal::text_array_literal(groups));
    return solution_user_of(r);
  } catch (...) {
    return unexpected(create_error(name));
  }
}

Result<std::optional<SolutionUserRow>> SolutionUserStore::find_by_certificate(
    std::int64_t tenant_id, std::string_view sha256_hex) {
  const std::string digest = normalized_sha256(sha256_hex);
  if (digest.empty()) return std::optional<SolutionUserRow>();
  try {
    return first_of(tx_.exec_params("SELECT " + columns() +
                                        " FROM solution_users WHERE tenant_id = $1 AND "
                                        "certificate_sha256 = $2",
                                    tenant_id, digest));
  } catch (...) {
    return unexpected(current_db_error("find solution user"));
  }
}

Result<std::optional<SolutionUserRow>> SolutionUserStore::find(std::int64_t tenant_id,
                                                               std::string_view name) {
  if (!is_lookup_name(name)) return std::optional<SolutionUserRow>();
  try {
    return first_of(tx_.exec_params("SELECT " + columns() +
                                        " FROM solution_users WHERE tenant_id = $1 AND "
                                        "name_key = " +
                                        name_key_param(2),
                                    tenant_id, std::string(name)));
  } catch (...) {
    return unexpected(current_db_error("find solution user"));
  }
}

Result<std::vector<SolutionUserRow>> SolutionUserStore::list(std::int64_t tenant_id) {
  try {
    std::vector<SolutionUserRow> users;
    for (const auto& row : tx_.exec_params("SELECT " + columns() +
                                               " FROM solution_users WHERE tenant_id = $1 "
                                               "ORDER BY name_key, id",
                                           tenant_id)) {
      users.push_back(solution_user_of(row));
    }
    return users;
  } catch (...) {
    return unexpected(current_db_error("list solution users"));
  }
}

Result<void> SolutionUserStore::remove(std::int64_t tenant_id, std::string_view name) {
  if (!is_lookup_name(name)) return fail(Errc::kNotFound, "no such solution user");
  try {
    return one_row_changed(
        tx_.exec_params(
            "DELETE FROM solution_users WHERE tenant_id = $1 AND name_key = " + name_key_param(2),
            tenant_id, std::string(name)),
        name);
  } catch (...) {
    return unexpected(current_db_error("remove solution user"));
  }
}

Result<void> SolutionUserStore::set_groups(std::int64_t tenant_id, std::string_view name,
                                           const std::vector<std::string>& groups) {
  if (!is_lookup_name(name)) return fail(Errc::kNotFound, "no such solution user");
  SIGIL_TRY_VOID(internal::check_groups(groups));
  try {
    return one_row_changed(
        tx_.exec_params(
            "UPDATE solution_users SET groups = $3::text[] WHERE tenant_id = $1 AND name_key = " +
                name_key_param(2),
            tenant_id, std::string(name), internal::text_array_literal(groups)),
        name);
  } catch (...) {
    return unexpected(current_db_error("set solution user groups"));
  }
}

Result<void> SolutionUserStore::set_disabled(std::int64_t tenant_id, std::string_view name,
                                             bool disabled) {
  if (!is_lookup_name(name)) return fail(Errc::kNotFound, "no such solution user");
  try {
    return one_row_changed(
        tx_.exec_params(
            "UPDATE solution_users SET disabled = $3 WHERE tenant_id = $1 AND name_key = " +
                name_key_param(2),
            tenant_id, std::string(name), disabled),
        name);
  } catch (...) {
    return unexpected(current_db_error("set solution user disabled"));
  }
}

}  // namespace sigil::db
