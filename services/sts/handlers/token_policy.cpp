#include "sts/handlers/token_policy.hpp"

#include <algorithm>

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

std::optional<TimePoint> chain_cap_of(const saml::AssertionSpec& source) {
  if (source.chain_not_on_or_after) return source.chain_not_on_or_after;
  if (!source.delegates.empty() || source.confirmation_upn) return source.not_on_or_after;
  return std::nullopt;
}

TimePoint chain_end(const saml::AssertionSpec& source) {
  const std::optional<TimePoint> cap = chain_cap_of(source);
  return cap && *cap < source.not_on_or_after ? *cap : source.not_on_or_after;
}

Derivation derive_by_token(const saml::AssertionSpec& source, const DerivationRequest& req) {
  Derivation d;
  d.cap = chain_end(source);
  d.chain_cap = chain_cap_of(source);
  d.renew_count = req.renewable ? std::min(source.renew_count, req.max_renew_count) : 0;
  d.proxy_count = req.delegatable ? std::min(source.proxy_count, req.max_delegation_count) : 0;
  d.delegates = source.delegates;
  d.confirmation_upn = source.confirmation_upn;
  return d;
}

Result<Derivation> derive_act_as(const saml::AssertionSpec& source, const DerivationRequest& req,
                                 std::string acting_upn, TimePoint now) {
  if (source.proxy_count <= 0) {
    return fail(Errc::kPermissionDenied, "the ActAs token may not be delegated");
  }
  Derivation d;
  d.cap = chain_end(source);
  d.chain_cap = d.cap;
  d.renew_count = req.renewable ? std::min(source.renew_count, req.max_renew_count) : 0;
  d.proxy_count =
      req.delegatable ? std::min(source.proxy_count - 1, req.max_delegation_count) : 0;
  d.delegates = source.delegates;
  d.delegates.push_back({acting_upn, std::chrono::floor<std::chrono::milliseconds>(now)});
  d.confirmation_upn = std::move(acting_upn);
  return d;
}

Result<Derivation> derive_renewal(const saml::AssertionSpec& source,
                                  const DerivationRequest& req) {
  if (source.renew_count <= 0) {
    return fail(Errc::kUnableToRenew, "the token may not be renewed any more");
  }
  Derivation d;
  d.cap = chain_cap_of(source);
  d.chain_cap = d.cap;
  d.renew_count = std::min(source.renew_count - 1, req.max_renew_count);
  d.proxy_count = std::min(source.proxy_count, req.max_delegation_count);
  d.delegates = source.delegates;
  d.confirmation_upn = source.confirmation_upn;
  return d;
}

void apply(Derivation&& d, saml::AssertionSpec& spec) {
  spec.chain_not_on_or_after = d.chain_cap;
  spec.renew_count = d.renew_count;
  spec.proxy_count = d.proxy_count;
  spec.delegates = std::move(d.delegates);
  spec.confirmation_upn = std::move(d.confirmation_upn);
}

}  // namespace sigil::sts::handlers
