#include "certmgr/alarms/expiry_schedule.hpp"

#include "sigil/base/time_format.hpp"

namespace sigil::certmgr::alarms {

std::string_view severity_name(Severity s) noexcept {
  return s == Severity::kCritical ? "critical" : "warning";
}

ExpiryDecision decide_expiry_alarm(TimePoint not_after, TimePoint now,
                                   const std::optional<OpenAlarm>& open) {
  using std::chrono::floor;
  ExpiryDecision d;
  const auto left = not_after - now;
  d.days_left = floor<std::chrono::days>(left).count();
  if (left > kWarningFrom) {
    d.action = open ? ExpiryDecision::Action::kClear : ExpiryDecision::Action::kNone;
    return d;
  }
  d.severity = left > kCriticalFrom ? Severity::kWarning : Severity::kCritical;
  const auto every = d.severity == Severity::kCritical ? kCriticalEvery : kWarningEvery;
  const bool due = !open || open->severity != d.severity || now - open->last_notified >= every;
  d.action = due ? ExpiryDecision::Action::kNotify : ExpiryDecision::Action::kNone;
  return d;
}

std::string describe_expiry(TimePoint not_after, TimePoint now) {
  const std::string when = " (" + format_rfc3339(not_after) + ")";
  if (not_after <= now) {
    auto ago = std::chrono::floor<std::chrono::days>(now - not_after).count();
    if (ago == 0) return "expired today" + when;
    return "expired " + std::to_string(ago) + (ago == 1 ? " day ago" : " days ago") + when;
  }
  auto days = std::chrono::floor<std::chrono::days>(not_after - now).count();
  if (days == 0) return "expires today" + when;
  return "expires in " + std::to_string(days) + (days == 1 ? " day" : " days") + when;
}

}  // namespace sigil::certmgr::alarms
