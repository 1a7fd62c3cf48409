#pragma once
// Time stamps on the wire. Sigil emits exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (what pyVmomi and
// govmomi parse) and reads any xs:dateTime that carries a zone (`Z` or `+hh:mm`); zone-less or
// malformed times are refused (threats.md: "malformed or zone-less times are invalid").
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil {

// 2026-01-02T10:00:00.123Z (milliseconds truncated, UTC).
std::string format_time_ms(TimePoint t);
// 2026-01-02T10:00:00Z (RFC 3339, seconds), for JSON and logs.
std::string format_rfc3339(TimePoint t);
// Parses an xs:dateTime / RFC 3339 time with a mandatory zone; fractions up to nanoseconds.
Result<TimePoint> parse_time(std::string_view text);

}  // namespace sigil
