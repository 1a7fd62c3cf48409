#pragma once
// Pure token policy: how long a token may live. The requested wst:Lifetime is clamped to the
// tenant's maximum instead of refused (govmomi asks for 24 h ActAs tokens and expects less back;
// wstrust-contract.md section 6 item 11), and capped at the end of a token it derives from.
//
// Thread-safety: pure functions.

#include <chrono>
#include <optional>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sts/wstrust/request.hpp"

namespace sigil::sts::handlers {

struct Validity {
  TimePoint not_before;
  TimePoint not_on_or_after;
};

// `now` is truncated to milliseconds, the resolution of the wire format. kInvalidTimeRange when
// the request's Lifetime ends before it starts, or nothing is left before `cap`.
Result<Validity> grant_validity(const std::optional<wstrust::Lifetime>& requested, TimePoint now,
                                std::chrono::seconds max_lifetime,
                                std::optional<TimePoint> cap = std::nullopt);

}  // namespace sigil::sts::handlers
