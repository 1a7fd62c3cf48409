#pragma once
// Internal to services/sts/identity: Principals built from database rows.
//
// Thread-safety: pure functions.

#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/user_store.hpp"
#include "sts/identity/principal.hpp"
#include "sts/identity/tenant_policy.hpp"

namespace sigil::sts::identity {

Principal principal_of(const TenantPolicy& tenant, const db::UserRow& user);
Principal principal_of(const TenantPolicy& tenant, const db::SolutionUserRow& user);

}  // namespace sigil::sts::identity
