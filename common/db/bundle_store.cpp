#include "sigil/db/bundle_store.hpp"

#include <algorithm>

#include <pqxx/result>

#include "time_sql.hpp"
#include "user_store_sql.hpp"

#include "sigil/db/errors.hpp"

namespace sigil::db {
namespace {

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// libpq parameters are C strings: a NUL would silently cut the value short.
bool is_text(std::string_view s) { return s.find('\0') == std::string_view::npos; }
bool is_text(const std::optional<std::string>& s) { return !s || is_text(std::string_view(*s)); }

// A NULL parameter for an absent value (libpqxx 6 has no std::optional parameters).
const char* nullable(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

}  // namespace

Result<bool> BundleStore::is_trusted(std::string_view sha256_hex) {
  if (!is_sha256_hex(sha256_hex)) return false;
  try {
    return !tx_.exec_params("SELECT 1 FROM bundle_trusted_signers WHERE sha256 = $1",
                            std::string(sha256_hex))
                .empty();
  } catch (...) {
    return unexpected(current_db_error("read trusted bundle signers"));
  }
}

Result<bool> BundleStore::trust(std::string_view sha256_hex, std::string_view subject,
                                std::string_view added_by) {
  if (!is_sha256_hex(sha256_hex) || !is_text(subject) || !is_text(added_by) || added_by.empty()) {
    return fail(Errc::kInvalidArgument, "a trusted signer needs a SHA-256 digest and an actor");
  }
  try {
    return tx_.exec_params(
                  "INSERT INTO bundle_trusted_signers (sha256, subject, added_by) "
                  "VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
                  std::string(sha256_hex), std::string(subject), std::string(added_by))
               .affected_rows() == 1;
  } catch (...) {
    return unexpected(current_db_error("add trusted bundle signer"));
  }
}

Result<std::vector<TrustedSignerRow>> BundleStore::trusted_signers() {
  try {
    std::vector<TrustedSignerRow> out;
    for (const auto& r : tx_.exec("SELECT sha256, subject, " + internal::select_us("added_at") +
                                  ", added_by FROM bundle_trusted_signers "
                                  "ORDER BY added_at, sha256")) {
      TrustedSignerRow row;
      row.sha256 = r[0].as<std::string>();
      row.subject = r[1].as<std::string>();
      row.added_at = internal::time_of(r[2]);
      row.added_by = r[3].as<std::string>();
      out.push_back(std::move(row));
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list trusted bundle signers"));
  }
}

Result<void> BundleStore::update_user_profile(std::int64_t user_id, const UserProfile& profile) {
  if (!is_text(profile.first_name) || !is_text(profile.last_name)) {
    return fail(Errc::kInvalidArgument, "user attribute is not valid text");
  }
  SIGIL_TRY_VOID(internal::check_groups(profile.groups));
  try {
    const auto r = tx_.exec_params(
        "UPDATE users SET groups = $2::text[], first_name = $3, last_name = $4, disabled = $5 "
        "WHERE id = $1",
        user_id, internal::text_array_literal(profile.groups), nullable(profile.first_name),
        nullable(profile.last_name), profile.disabled);
    if (r.affected_rows() == 0) return fail(Errc::kNotFound, "no such user");
    return {};
  } catch (...) {
    return unexpected(current_db_error("update user"));
  }
}

Result<void> BundleStore::update_solution_user(std::int64_t solution_user_id,
                                               std::string_view certificate_pem,
                                               std::string_view certificate_sha256_hex,
                                               const std::vector<std::string>& groups,
                                               bool disabled) {
  if (!is_sha256_hex(certificate_sha256_hex) || !is_text(certificate_pem)) {
    return fail(Errc::kInvalidArgument, "certificate digest must be 64 lower-case hex digits");
  }
  SIGIL_TRY_VOID(internal::check_groups(groups));
  try {
    const auto r = tx_.exec_params(
        "UPDATE solution_users SET certificate_pem = $2, certificate_sha256 = $3, "
        "groups = $4::text[], disabled = $5 WHERE id = $1",
        solution_user_id, std::string(certificate_pem), std::string(certificate_sha256_hex),
        internal::text_array_literal(groups), disabled);
    if (r.affected_rows() == 0) return fail(Errc::kNotFound, "no such solution user");
    return {};
  } catch (...) {
    Error e = current_db_error("update solution user");
    if (internal::has_sqlstate(e, "23505")) {
      e.message = "another solution user of the tenant has this certificate";
    }
    return unexpected(std::move(e));
  }
}

}  // namespace sigil::db
