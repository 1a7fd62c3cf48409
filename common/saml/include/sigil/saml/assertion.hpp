#pragma once
// The SAML 2.0 assertion Sigil issues, as data. It has exactly the shape vCenter's STS emits
// (docs/reference/wstrust.md §3.3): Issuer, Signature, Subject, Conditions,
// AuthnStatement, AttributeStatement and nothing else, because govmomi re-serialises tokens from
// a struct and drops anything it does not model.
//
// Thread-safety: plain value types.

#include <optional>
#include <string>
#include <vector>

#include "sigil/base/clock.hpp"

namespace sigil::saml {

enum class Confirmation { kBearer, kHolderOfKey };

// How the requester proved who it is (AuthnContextClassRef).
enum class AuthnMethod { kPassword, kXmlDsig, kPreviousSession, kTlsClient };

struct Attribute {
  std::string friendly_name;  // "Groups"
  std::string name;           // "http://rsa.com/schemas/attr-names/2009/01/GroupIdentity"
  std::vector<std::string> values;
};

// One link of an ActAs delegation chain.
struct Delegate {
  std::string upn;  // the solution user that acted
  TimePoint instant;
};

struct AssertionSpec {
  std::string id;  // "_" + UUID
  TimePoint issue_instant;
  std::string issuer;       // https://{host}/websso/SAML2/Metadata/{tenant}
  std::string subject_upn;  // "Administrator@VSPHERE.LOCAL"
  Confirmation confirmation = Confirmation::kBearer;
  // Holder-of-key: the DER of the confirmation certificate, base64 without line breaks.
  std::string hok_certificate_b64;
  // ActAs: the requester (last delegate), named in the SubjectConfirmation.
  std::optional<std::string> confirmation_upn;
  TimePoint not_before;
  TimePoint not_on_or_after;
  int proxy_count = 0;                 // ProxyRestriction Count: remaining delegations
  std::vector<Delegate> delegates;     // DelegationRestrictionType condition when not empty
  int renew_count = 0;                 // RenewRestrictionType Count; omitted when 0
  std::optional<std::string> audience;  // AudienceRestriction, last in Conditions
  TimePoint authn_instant;
  AuthnMethod authn_method = AuthnMethod::kPassword;
  std::vector<Attribute> attributes;  // at least one
  // The latest instant any token derived from this one may be valid until (a delegated token's
  // cap, docs/delegation.md). Written as the last Attribute, "ChainNotOnOrAfter", when set; the
  // reader takes it out of `attributes` again.
  std::optional<TimePoint> chain_not_on_or_after;
};

// What the signed "Subject Type" attribute says: true for a solution user, false for a user,
// nullopt when the attribute is missing or holds anything else.
std::optional<bool> subject_is_solution_user(const AssertionSpec& spec);

}  // namespace sigil::saml
