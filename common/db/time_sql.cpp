#include "time_sql.hpp"

#include <chrono>

namespace sigil::db::internal {

std::int64_t to_unix_us(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_us(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

std::string select_us(const std::string& column) {
  // extract() returns numeric since PostgreSQL 14, so this is exact.
  return "(extract(epoch FROM " + column + ") * 1000000)::bigint";
}

std::string param_ts(int n) {
  // Whole seconds and the remainder separately: interval * bigint goes through float8, which
  // is exact only for small factors.
  const std::string p = "$" + std::to_string(n) + "::bigint";
  return "(timestamptz 'epoch' + (" + p + " / 1000000) * interval '1 second' + (" + p +
         " % 1000000) * interval '1 microsecond')";
}

TimePoint time_of(const pqxx::field& f) { return from_unix_us(f.as<std::int64_t>()); }

std::optional<TimePoint> optional_time_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return time_of(f);
}

}  // namespace sigil::db::internal
