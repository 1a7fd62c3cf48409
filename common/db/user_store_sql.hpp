#pragma once
// Internal to common/db: SQL helpers shared by UserStore and SolutionUserStore (user_store.cpp
// defines them).
//
// Principal names are looked up by the schema's normalised key,
//   name_key = lower(normalize(name, NFKC) COLLATE "und-x-icu"),
// computed from the parameter by the server so that C++ and SQL can never disagree on Unicode
// folding. Two things must be refused before a name reaches the server: an embedded NUL
// (libpq passes parameters as C strings, so "admin\0x" would silently become "admin") and
// invalid UTF-8 (normalize() raises, which aborts the caller's transaction).
//
// groups (text[]) travel as array literals, because libpqxx 6 has no array parameters.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/field>

#include "sigil/base/result.hpp"

namespace sigil::db::internal {

/// SQL for the name_key of text parameter $n.
std::string name_key_param(int n);

/// True if `name` can be sent as a lookup parameter: non-empty, at most 1024 bytes, valid
/// UTF-8, no NUL. A name that fails this cannot exist in the tables.
bool is_lookup_name(std::string_view name) noexcept;

/// kInvalidArgument unless every group is a bare name: non-empty, valid UTF-8, no control
/// characters, no surrounding blanks and no backslash (the "domain\" prefix is added when a
/// token is issued, from the tenant's name).
Result<void> check_groups(const std::vector<std::string>& groups);

/// A PostgreSQL array literal, every element quoted: {"a","b\"c"}.
std::string text_array_literal(const std::vector<std::string>& values);
/// The elements of a text[] field (NULL elements are skipped; the schema has none).
std::vector<std::string> text_array_of(const pqxx::field& f);

/// True if `e` came from a database error with SQLSTATE `state`.
bool has_sqlstate(const Error& e, std::string_view state) noexcept;

}  // namespace sigil::db::internal
