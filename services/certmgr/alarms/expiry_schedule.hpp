#pragma once
// When certmgr raises, repeats and clears a certificate expiry alarm (issue: certmgr), as one
// pure function of the certificate's notAfter, the clock and the alarm as it stands:
//
//   more than 90 days left      no alarm; an open one is cleared (renewed or replaced)
//   90 days .. more than 7 days  warning, notified when raised and then once every 7 days
//   7 days or less, or expired   critical, notified when raised and then once every day
//
// "Notified" means: the alarm row's last_notified_at moves, a log line and the webhook fire.
// A warning that turns critical is notified at once. The schedule is fixed by the product (the
// same thresholds as vCenter's certificate alarms), so it has no knobs.
//
// Thread-safety: pure functions.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"

namespace sigil::certmgr::alarms {

enum class Severity { kWarning, kCritical };

/// "warning" or "critical": the spelling of alarms.severity.
std::string_view severity_name(Severity s) noexcept;

inline constexpr std::chrono::hours kWarningFrom{24 * 90};
inline constexpr std::chrono::hours kCriticalFrom{24 * 7};
inline constexpr std::chrono::hours kWarningEvery{24 * 7};
inline constexpr std::chrono::hours kCriticalEvery{24};

/// An open alarm, as stored.
struct OpenAlarm {
  Severity severity = Severity::kWarning;
  TimePoint last_notified;
};

struct ExpiryDecision {
  enum class Action {
    kNone,    ///< nothing to do (no alarm due, or an open one notified recently enough)
    kNotify,  ///< raise (or escalate, or repeat) the alarm at `severity` now
    kClear,   ///< close the open alarm
  };
  Action action = Action::kNone;
  Severity severity = Severity::kWarning;  ///< for kNotify (and kNone with an alarm due)
  /// Whole days left, rounded down; negative once expired.
  std::int64_t days_left = 0;
};

ExpiryDecision decide_expiry_alarm(TimePoint not_after, TimePoint now,
                                   const std::optional<OpenAlarm>& open);

/// "expires in 42 days (2027-01-05T00:00:00Z)", "expires today (...)", "expired 3 days ago (...)".
std::string describe_expiry(TimePoint not_after, TimePoint now);

}  // namespace sigil::certmgr::alarms
