#include "sts/identity/principal_rows.hpp"

namespace sigil::sts::identity {

Principal principal_of(const TenantPolicy& tenant, const db::UserRow& user) {
  Principal p;
  p.name = user.name;
  p.upn = make_upn(user.name, tenant.name);
  p.tenant = tenant.name;
  p.is_solution_user = false;
  p.groups = qualified_groups(user.groups, tenant.name);
  p.first_name = user.first_name;
  p.last_name = user.last_name;
  return p;
}

Principal principal_of(const TenantPolicy& tenant, const db::SolutionUserRow& user) {
  Principal p;
  p.name = user.name;
  p.upn = make_upn(user.name, tenant.name);
  p.tenant = tenant.name;
  p.is_solution_user = true;
  p.groups = qualified_groups(user.groups, tenant.name);
  p.certificate_sha256 = user.certificate_sha256;
  return p;
}

}  // namespace sigil::sts::identity
