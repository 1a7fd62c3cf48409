#pragma once
// Internal to common/db: moving time stamps between C++ and timestamptz exactly.
//
// Times cross the wire as integer microseconds since the Unix epoch (timestamptz's own
// resolution), never as text in a session time zone or as a lossy float.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/result>

#include "sigil/base/clock.hpp"

namespace sigil::db::internal {

std::int64_t to_unix_us(TimePoint t);
TimePoint from_unix_us(std::int64_t us);

/// SQL reading timestamptz `column` as bigint microseconds, e.g. in a SELECT list.
std::string select_us(const std::string& column);
/// SQL turning bigint microsecond parameter $n into a timestamptz.
std::string param_ts(int n);

TimePoint time_of(const pqxx::field& f);
std::optional<TimePoint> optional_time_of(const pqxx::field& f);

}  // namespace sigil::db::internal
