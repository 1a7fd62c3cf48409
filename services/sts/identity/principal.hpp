#pragma once
// Who a token is about: the Principal an IdentitySource authenticated, and the SAML attributes
// a token carries for it, in exactly the order and spelling vCenter's STS uses
// (docs/reference/wstrust.md §3.3): Groups, givenName, surname, Subject Type.
//
// Names as vCenter spells them:
//   UPN     "Administrator@VSPHERE.LOCAL"  the name as created, '@', the tenant upper-cased
//   groups  "vsphere.local\Administrators" the tenant name as stored, '\', the bare group;
//           every principal is also in "<tenant>\Everyone".
//
// Thread-safety: plain value types and pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/saml/assertion.hpp"

namespace sigil::sts::identity {

/// The implicit group every principal of a tenant belongs to.
inline constexpr std::string_view kEveryoneGroup = "Everyone";
/// The group whose solution users may ActAs (delegation), vCenter's name for it.
inline constexpr std::string_view kActAsGroup = "ActAsUsers";

struct Principal {
  std::string name;    ///< as created, e.g. "Administrator"
  std::string upn;     ///< "Administrator@VSPHERE.LOCAL"
  std::string tenant;  ///< the tenant name as stored, e.g. "vsphere.local"
  bool is_solution_user = false;
  std::vector<std::string> groups;  ///< "vsphere.local\\Administrators", ..., then Everyone
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::string certificate_sha256;  ///< solution users: lower-case hex of the certificate DER
};

/// The token's AttributeStatement: Groups, givenName and surname (only when known), and
/// Subject Type ("true" for solution users, else "false").
std::vector<saml::Attribute> token_attributes(const Principal& principal);

/// True when the principal is in `tenant\group` (the bare group name, ASCII case ignored).
bool in_group(const Principal& principal, std::string_view group);

/// `name` + "@" + the tenant in ASCII upper case.
std::string make_upn(std::string_view name, std::string_view tenant);

/// "tenant\group" for each stored (bare) group, in stored order, then "tenant\Everyone"
/// unless a stored group already is Everyone (compared ignoring ASCII case).
std::vector<std::string> qualified_groups(const std::vector<std::string>& stored,
                                          std::string_view tenant);

/// A name as typed at login: "name", "name@domain" or "domain\name".
struct LoginName {
  std::string name;
  std::optional<std::string> domain;  ///< absent for the bare form
};

/// Splits at the first '\' (domain\name) or else at the last '@' (name@domain), so a name
/// that itself contains '@' can still be given as "name@x@tenant" or "tenant\name@x".
LoginName parse_login_name(std::string_view text);

}  // namespace sigil::sts::identity
