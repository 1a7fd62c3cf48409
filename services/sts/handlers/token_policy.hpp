#pragma once
// Pure token policy: how long a token may live, and what a token derived from a token may carry.
// The requested lifetime (wst:Lifetime on WS-Trust, lifetime_s on REST) is clamped to the tenant's
// maximum instead of refused (govmomi asks for 24 h ActAs tokens and expects less back;
// docs/reference/wstrust.md §6.11), and capped at the end of a token it derives from.
//
// Thread-safety: pure functions.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/saml/assertion.hpp"

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


// ---------------------------------------------------------------------------------------------
// Tokens derived from tokens (docs/delegation.md). Three operations make a token out of a token:
// token by token (Issue signed with a holder-of-key token's key), ActAs and Renew. For all three:
//   - the new token ends no later than the chain cap (ChainNotOnOrAfter) the source carries;
//     token by token and ActAs also no later than the source itself (they never extend);
//   - the delegation chain (delegates, the acting solution user in the SubjectConfirmation) is
//     kept, and ActAs appends the acting solution user to it;
//   - the renew and proxy (delegation) counts never exceed the source's: Renew takes one off,
//     ActAs takes one delegation off, token by token keeps at most what the source had;
//   - the tenant's current maxima still apply (a lowered policy lowers derived tokens too).
// Only Renew moves NotOnOrAfter past the source's, and each renewal spends one of a finite
// number of renewals, so a chain of tokens ends at the latest (renew count + 1) maximum
// lifetimes after the password or certificate login that began it, and a delegated chain at
// the end of the token that was delegated.
// ---------------------------------------------------------------------------------------------

/// What the requester asked for, and what the tenant allows.
struct DerivationRequest {
  bool renewable = false;
  bool delegatable = false;
  int max_renew_count = 0;
  int max_delegation_count = 0;
};

/// What a token derived from a source token carries.
struct Derivation {
  std::optional<TimePoint> cap;             ///< NotOnOrAfter may not pass this
  std::optional<TimePoint> chain_cap;       ///< written into the new token (ChainNotOnOrAfter)
  int renew_count = 0;
  int proxy_count = 0;
  std::vector<saml::Delegate> delegates;
  std::optional<std::string> confirmation_upn;  ///< the acting solution user, if delegated
};

/// The source's chain cap. A delegated token (delegates or an acting solution user) without
/// one — issued before tokens carried the cap, or by a replica that did not write it yet — is
/// capped at its own NotOnOrAfter, so it can never be laundered into a first-hand token.
std::optional<TimePoint> chain_cap_of(const saml::AssertionSpec& source);

/// The end of the source token's chain: its NotOnOrAfter, or its chain cap when earlier.
TimePoint chain_end(const saml::AssertionSpec& source);

/// Token by token.
Derivation derive_by_token(const saml::AssertionSpec& source, const DerivationRequest& req);

/// ActAs by `acting_upn` at `now`. kPermissionDenied when the source may not be delegated
/// (ProxyRestriction Count 0).
Result<Derivation> derive_act_as(const saml::AssertionSpec& source, const DerivationRequest& req,
                                 std::string acting_upn, TimePoint now);

/// Renew (the renewed token is renewable and delegatable as far as the source was).
/// kUnableToRenew when the source has no renewals left.
Result<Derivation> derive_renewal(const saml::AssertionSpec& source, const DerivationRequest& req);

/// Copies the derivation into a new token's spec.
void apply(Derivation&& d, saml::AssertionSpec& spec);

}  // namespace sigil::sts::handlers
