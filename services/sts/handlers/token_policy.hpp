#pragma once
// Pure token policy: how long a token may live. The requested lifetime (wst:Lifetime on
// WS-Trust, lifetime_s on REST) is clamped to the tenant's maximum instead of refused (govmomi
// asks for 24 h ActAs tokens and expects less back; wstrust-contract.md section 6 item 11), and
// capped at the end of a token it derives from.
//
// Thread-safety: pure functions.

#include <chrono>
#include <optional>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::sts::handlers {

/// A lifetime as a client asked for it; both ends are optional (as in wst:Lifetime).
struct RequestedLifetime {
  std::optional<TimePoint> created;
  std::optional<TimePoint> expires;
};

struct Validity {
  TimePoint not_before;
  TimePoint not_on_or_after;
};

// `now` is truncated to milliseconds, the resolution of the wire format. kInvalidTimeRange when
// the requested lifetime ends before it starts, or nothing is left before `cap`.
Result<Validity> grant_validity(const std::optional<RequestedLifetime>& requested, TimePoint now,
                                std::chrono::seconds max_lifetime,
                                std::optional<TimePoint> cap = std::nullopt);

}  // namespace sigil::sts::handlers
