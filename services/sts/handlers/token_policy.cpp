#include "sts/handlers/token_policy.hpp"

namespace sigil::sts::handlers {

Result<Validity> grant_validity(const std::optional<RequestedLifetime>& requested, TimePoint now,
                                std::chrono::seconds max_lifetime, std::optional<TimePoint> cap) {
  using std::chrono::milliseconds;
  const TimePoint start = std::chrono::floor<milliseconds>(now);
  TimePoint::duration length = max_lifetime;
  if (requested && requested->expires) {
    TimePoint from = requested->created.value_or(start);
    if (*requested->expires <= from) {
      return fail(Errc::kInvalidTimeRange, "the requested Lifetime ends before it starts");
    }
    length = std::min<TimePoint::duration>(length, *requested->expires - from);
  }
  TimePoint end = std::chrono::floor<milliseconds>(start + length);
  if (cap && end > *cap) end = std::chrono::floor<milliseconds>(*cap);
  if (end <= start) {
    return fail(Errc::kInvalidTimeRange, "no time is left in the token this one derives from");
  }
  return Validity{start, end};
}

}  // namespace sigil::sts::handlers
