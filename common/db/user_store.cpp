#include "sigil/db/user_store.hpp"

#include <pqxx/result>

#include "sigil/base/xml_text.hpp"
#include "sigil/db/errors.hpp"
#include "time_sql.hpp"
#include "user_store_sql.hpp"

namespace sigil::db {
namespace internal {
namespace {

constexpr std::size_t kMaxLookupName = 1024;

// The number of continuation bytes a UTF-8 lead byte announces, or -1 for an invalid lead.
int continuation_bytes(unsigned char lead) {
  if (lead < 0x80) return 0;
  if ((lead & 0xE0) == 0xC0) return 1;
  if ((lead & 0xF0) == 0xE0) return 2;
  if ((lead & 0xF8) == 0xF0) return 3;
  return -1;
}

// The length of the valid UTF-8 sequence starting at s[i], or 0 if there is none (truncated,
// overlong, surrogate or beyond U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const int extra = continuation_bytes(lead);
  if (extra <= 0) return extra == 0 ? 1 : 0;
  if (i + static_cast<std::size_t>(extra) >= s.size()) return 0;
  std::uint32_t cp = lead & (0x7Fu >> (extra + 1));
  for (int k = 1; k <= extra; ++k) {
    const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return static_cast<std::size_t>(extra) + 1;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

}  // namespace

std::string name_key_param(int n) {
  return "lower(normalize($" + std::to_string(n) + "::text, NFKC) COLLATE \"und-x-icu\")";
}

bool is_lookup_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= kMaxLookupName &&
         name.find('\0') == std::string_view::npos && is_valid_utf8(name);
}

Result<void> check_groups(const std::vector<std::string>& groups) {
  for (const std::string& g : groups) {
    const bool blank_edge = !g.empty() && (g.front() == ' ' || g.back() == ' ');
    if (g.empty() || blank_edge || has_control(g) || !is_valid_utf8(g) || !is_xml_chars(g) ||
        g.find('\\') != std::string::npos) {
      return fail(Errc::kInvalidArgument,
                  "group names must be bare names (no \"domain\\\" prefix), without control "
                  "characters or surrounding blanks",
                  g);
    }
  }
  return {};
}

std::string text_array_literal(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::vector<std::string> text_array_of(const pqxx::field& f) {
  std::vector<std::string> out;
  pqxx::array_parser parser = f.as_array();
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::done;
       item = parser.get_next()) {
    if (item.first == pqxx::array_parser::string_value) out.push_back(std::move(item.second));
  }
  return out;
}

bool has_sqlstate(const Error& e, std::string_view state) noexcept {
  std::string_view detail = e.detail;
  return detail.starts_with("SQLSTATE ") && detail.substr(9).starts_with(state);
}

}  // namespace internal

namespace {

using internal::name_key_param;
using internal::optional_time_of;
using internal::param_ts;
using internal::select_us;
using internal::time_of;
using internal::to_unix_us;

std::string columns() {
  return "id, tenant_id, name, password_hash, groups, first_name, last_name, disabled, "
         "failed_login_count, " +
         select_us("first_failed_at") + ", " + select_us("locked_until") + ", " +
         select_us("password_changed_at") + ", " + select_us("created_at");
}

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

UserRow user_of(const pqxx::row& r) {
  UserRow u;
  u.id = r[0].as<std::int64_t>();
  u.tenant_id = r[1].as<std::int64_t>();
  u.name = r[2].as<std::string>();
  u.password_hash = r[3].as<std::string>();
  u.groups = internal::text_array_of(r[4]);
  u.first_name = optional_text(r[5]);
  u.last_name = optional_text(r[6]);
  u.disabled = r[7].as<bool>();
  u.failed_login_count = r[8].as<std::int32_t>();
  u.first_failed_at = optional_time_of(r[9]);
  u.locked_until = optional_time_of(r[10]);
  u.password_changed_at = time_of(r[11]);
  u.created_at = time_of(r[12]);
  return u;
}

// libpq parameters are C strings: a NUL would silently cut the value short.
bool has_nul(const std::optional<std::string>& s) {
  return s && s->find('\0') != std::string::npos;
}

// A NULL parameter for an absent value (libpqxx 6 has no std::optional parameters).
const char* nullable(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

Error create_error(const NewUser& user) {
  Error e = current_db_error("create user");
  if (internal::has_sqlstate(e, "23505")) e.message = "user " + user.name + " already exists";
  if (internal::has_sqlstate(e, "23503")) {
    e.code = Errc::kNotFound;
    e.message = "no such tenant";
  }
  if (internal::has_sqlstate(e, "23514")) {
    e.code = Errc::kInvalidArgument;
    e.message =
        "user name must be non-empty, without surrounding blanks or control characters, and "
        "the password hash non-empty";
  }
  return e;
}

Result<void> one_row_changed(const pqxx::result& r, std::string_view name) {
  if (r.affected_rows() == 0) return fail(Errc::kNotFound, "no such user", std::string(name));
  return {};
}

}  // namespace

Result<UserRow> UserStore::create(std::int64_t tenant_id, const NewUser& user) {
  // Names go into tokens: text XML cannot carry is refused here already (docs/security.md).
  if (!internal::is_lookup_name(user.name) || user.password_hash.find('\0') != std::string::npos ||
      has_nul(user.first_name) || has_nul(user.last_name) || !is_xml_chars(user.name) ||
      !is_xml_chars(user.first_name.value_or("")) || !is_xml_chars(user.last_name.value_or(""))) {
    return fail(Errc::kInvalidArgument,
                "user name or attribute is not UTF-8 text XML can carry (no control "
                "characters but tab, LF, CR; no U+FFFE/U+FFFF)");
  }
  SIGIL_TRY_VOID(internal::check_groups(user.groups));
  try {
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO users (tenant_id, name, password_hash, groups, first_name, last_name) "
        "VALUES ($1, $2, $3, $4::text[], $5, $6) RETURNING " +
            columns(),
        tenant_id, user.name, user.password_hash, internal::text_array_literal(user.groups),
        nullable(user.first_name), nullable(user.last_name));
    return user_of(r);
  } catch (...) {
    return unexpected(create_error(user));
  }
}

Result<std::optional<UserRow>> UserStore::find(std::int64_t tenant_id, std::string_view name) {
  if (!internal::is_lookup_name(name)) return std::optional<UserRow>();
  try {
    const pqxx::result r =
        tx_.exec_params("SELECT " + columns() +
                            " FROM users WHERE tenant_id = $1 AND name_key = " + name_key_param(2),
                        tenant_id, std::string(name));
    if (r.empty()) return std::optional<UserRow>();
    return std::optional<UserRow>(user_of(r[0]));
  } catch (...) {
    return unexpected(current_db_error("find user"));
  }
}

Result<std::optional<UserRow>> UserStore::find_by_id(std::int64_t user_id) {
  try {
    const pqxx::result r =
        tx_.exec_params("SELECT " + columns() + " FROM users WHERE id = $1", user_id);
    if (r.empty()) return std::optional<UserRow>();
    return std::optional<UserRow>(user_of(r[0]));
  } catch (...) {
    return unexpected(current_db_error("find user"));
  }
}

Result<std::vector<UserRow>> UserStore::list(std::int64_t tenant_id) {
  try {
    std::vector<UserRow> users;
    for (const auto& row : tx_.exec_params("SELECT " + columns() +
                                               " FROM users WHERE tenant_id = $1 "
                                               "ORDER BY name_key, id",
                                           tenant_id)) {
      users.push_back(user_of(row));
    }
    return users;
  } catch (...) {
    return unexpected(current_db_error("list users"));
  }
}

Result<void> UserStore::remove(std::int64_t tenant_id, std::string_view name) {
  if (!internal::is_lookup_name(name)) return fail(Errc::kNotFound, "no such user");
  try {
    return one_row_changed(
        tx_.exec_params(
            "DELETE FROM users WHERE tenant_id = $1 AND name_key = " + name_key_param(2), tenant_id,
            std::string(name)),
        name);
  } catch (...) {
    return unexpected(current_db_error("remove user"));
  }
}

Result<void> UserStore::set_disabled(std::int64_t tenant_id, std::string_view name, bool disabled) {
  if (!internal::is_lookup_name(name)) return fail(Errc::kNotFound, "no such user");
  try {
    return one_row_changed(
        tx_.exec_params("UPDATE users SET disabled = $3 WHERE tenant_id = $1 AND name_key = " +
                            name_key_param(2),
                        tenant_id, std::string(name), disabled),
        name);
  } catch (...) {
    return unexpected(current_db_error("set user disabled"));
  }
}

Result<void> UserStore::set_groups(std::int64_t tenant_id, std::string_view name,
                                   const std::vector<std::string>& groups) {
  if (!internal::is_lookup_name(name)) return fail(Errc::kNotFound, "no such user");
  SIGIL_TRY_VOID(internal::check_groups(groups));
  try {
    return one_row_changed(
        tx_.exec_params(
            "UPDATE users SET groups = $3::text[] WHERE tenant_id = $1 AND name_key = " +
                name_key_param(2),
            tenant_id, std::string(name), internal::text_array_literal(groups)),
        name);
  } catch (...) {
    return unexpected(current_db_error("set user groups"));
  }
}

Result<void> UserStore::set_password_hash(std::int64_t tenant_id, std::string_view name,
                                          std::string_view password_hash, TimePoint changed_at) {
  if (!internal::is_lookup_name(name)) return fail(Errc::kNotFound, "no such user");
  if (password_hash.empty() || password_hash.find('\0') != std::string_view::npos) {
    return fail(Errc::kInvalidArgument, "password hash must be non-empty text");
  }
  try {
    // A reset unlocks every source too (login_failure_store.hpp).
    tx_.exec_params("DELETE FROM login_failures WHERE user_id IN (SELECT id FROM users WHERE "
                    "tenant_id = $1 AND name_key = " +
                        name_key_param(2) + ")",
                    tenant_id, std::string(name));
    return one_row_changed(
        tx_.exec_params(
            "UPDATE users SET password_hash = $3, password_changed_at = " + param_ts(4) +
                ", failed_login_count = 0, first_failed_at = NULL, "
                "locked_until = NULL WHERE tenant_id = $1 AND name_key = " +
                name_key_param(2),
            tenant_id, std::string(name), std::string(password_hash), to_unix_us(changed_at)),
        name);
  } catch (...) {
    return unexpected(current_db_error("set user password"));
  }
}

namespace {

// Every expression reads the row being updated, never a separate SELECT: when two failures race,
// the second UPDATE waits for the first and re-evaluates these on the row it committed.
std::string record_failure_sql() {
  const std::string now = param_ts(2);
  const std::string restart = "(first_failed_at IS NULL OR first_failed_at <= " + param_ts(3) +
                              " OR coalesce(locked_until <= " + now + ", false))";
  const std::string count = "(CASE WHEN " + restart + " THEN 1 ELSE failed_login_count + 1 END)";
  return "UPDATE users SET failed_login_count = " + count + ", first_failed_at = CASE WHEN " +
         restart + " THEN " + now +
         " ELSE first_failed_at END, locked_until = CASE WHEN locked_until > " + now +
         " THEN locked_until WHEN " + count + " >= $4 THEN " + param_ts(5) + " WHEN " + restart +
         " THEN NULL ELSE locked_until END WHERE id = $1 RETURNING failed_login_count, " +
         select_us("locked_until");
}

}  // namespace

Result<LoginFailureState> UserStore::record_failure(std::int64_t user_id, TimePoint now,
                                                    const LockoutRule& rule) {
  try {
    const pqxx::result r = tx_.exec_params(record_failure_sql(), user_id, to_unix_us(now),
                                           to_unix_us(now - rule.window), rule.max_failures,
                                           to_unix_us(now + rule.lock_duration));
    if (r.empty()) return fail(Errc::kNotFound, "no such user", std::to_string(user_id));
    LoginFailureState state;
    state.failed_login_count = r[0][0].as<std::int32_t>();
    state.locked_until = optional_time_of(r[0][1]);
    return state;
  } catch (...) {
    return unexpected(current_db_error("record login failure"));
  }
}

Result<void> UserStore::reset_failures(std::int64_t user_id) {
  try {
    const pqxx::result r = tx_.exec_params(
        "UPDATE users SET failed_login_count = 0, first_failed_at = NULL, locked_until = NULL "
        "WHERE id = $1",
        user_id);
    if (r.affected_rows() == 0) {
      return fail(Errc::kNotFound, "no such user", std::to_string(user_id));
    }
    return {};
  } catch (...) {
    return unexpected(current_db_error("reset login failures"));
  }
}

}  // namespace sigil::db
