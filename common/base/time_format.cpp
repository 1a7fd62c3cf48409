#include "sigil/base/time_format.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace sigil {
namespace {

std::tm to_utc_tm(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

bool read_int(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return r.ec == std::errc();
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
long long days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

std::string format_time_ms(TimePoint t) {
  std::tm tm = to_utc_tm(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                t - std::chrono::floor<std::chrono::seconds>(t))
                .count();
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string format_rfc3339(TimePoint t) {
  std::tm tm = to_utc_tm(t);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

namespace {

// Which zones a parse accepts.
enum class Zones { kUtcOnly, kOffsets };

Result<TimePoint> parse(std::string_view s, Zones zones) {
  const bool utc_only = zones == Zones::kUtcOnly;
  auto bad = [&] {
    return fail(Errc::kMalformedRequest,
                utc_only ? "malformed time: expected a UTC time YYYY-MM-DDTHH:MM:SS[.fff]Z"
                         : "malformed time: expected YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm)");
  };
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || !read_int(s, 0, 4, y) || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d) || (s[10] != 'T' && (utc_only || s[10] != 't')) ||
      !read_int(s, 11, 2, h) || s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' ||
      !read_int(s, 17, 2, se)) {
    return bad();
  }
  // No leap second: a TimePoint cannot hold 23:59:60, and rounding it would move the time.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return bad();
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return bad();
  size_t pos = 19;
  long long frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    long long scale = 100000000;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (pos - start < 9) {
        frac_ns += (s[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
    }
    if (pos == start) return bad();
  }
  long long offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || (!utc_only && s[pos] == 'z'))) {
    ++pos;
  } else if (!utc_only && pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (pos + 6 != s.size() || !read_int(s, pos + 1, 2, oh) || s[pos + 3] != ':' ||
        !read_int(s, pos + 4, 2, om) || oh > 14 || om > 59) {
      return bad();
    }
    offset_s = (oh * 3600LL + om * 60LL) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();  // zone-less
  }
  if (pos != s.size()) return bad();
  long long secs =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400LL +
      h * 3600LL + mi * 60LL + se - offset_s;
  // TimePoint counts nanoseconds in 64 bits (years 1677 to 2262): a time it cannot hold is
  // refused, not overflowed (found by fuzzing; docs/development.md "Fuzzing").
  constexpr long long kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count() - 1;
  if (secs >= kLimit || secs <= -kLimit) {
    return fail(Errc::kMalformedRequest, "malformed time: outside the years 1677 to 2262");
  }
  auto tp = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(secs) + std::chrono::nanoseconds(frac_ns)));
  return tp;
}

}  // namespace

Result<TimePoint> parse_time(std::string_view text) { return parse(text, Zones::kOffsets); }

Result<TimePoint> parse_saml_time(std::string_view text) { return parse(text, Zones::kUtcOnly); }

}  // namespace sigil
