#pragma once
// Time stamps on the wire. Sigil emits exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (what pyVmomi and
// govmomi parse). It reads two forms (docs/security.md "Time values"):
// - parse_saml_time: SAML and WS-Security times, which SAML 2.0 core 1.3.3 requires in UTC:
//   `YYYY-MM-DDTHH:MM:SS[.f+]Z`, capital T and Z, nothing else;
// - parse_time: RFC 3339 times of the JSON APIs and flags, which may carry an offset
//   (`+hh:mm`).
// Both refuse zone-less and malformed times, and the leap second :60, which a time point cannot
// represent (docs/reference/threats.md §2.9: malformed or zone-less times are invalid).
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
// Parses an RFC 3339 time with a mandatory zone (`Z` or `+hh:mm`); fractions up to nanoseconds.
Result<TimePoint> parse_time(std::string_view text);
// Parses a UTC xs:dateTime (`...Z` only), as SAML assertions and WS-Security timestamps carry.
Result<TimePoint> parse_saml_time(std::string_view text);

}  // namespace sigil
