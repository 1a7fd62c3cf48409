#pragma once
// Applying a verified configuration bundle to this deployment (docs/bundles.md, "Import"), in
// the caller's ONE transaction, so that the import is all-or-nothing:
//
//   1. the tenant: created when missing (with a new active signing key from this deployment's
//      built-in CA, as `sigilctl tenant create` does), else kept; its token and lockout policy
//      set to the bundle's (audited as tenant.set-policy, only when it differs);
//   2. hostnames: added when missing; one owned by another tenant refuses the whole import;
//   3. users, by name: created (without a password hash in the bundle: disabled, with the
//      unusable marker kNoPasswordMarker) or updated (groups, names, disabled; the password only
//      when the bundle carries one); a user without a usable password is always disabled;
//   4. solution users, by name: created or updated (certificate, groups, disabled).
// Nothing is deleted. Signing and CA certificates in the bundle are NOT imported (key material
// moves by linked peers or `signing-cert import`); the summary says so.
//
// Thread-safety: runs on the caller's thread, in its transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <pqxx/dbtransaction>

#include "certmgr/bundle/bundle_format.hpp"
#include "certmgr/renew/scheduler.hpp"

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/tenant_store.hpp"

namespace sigil::certmgr::bundle {

/// The password_hash of a user imported without its password. It is not a PHC string, so
/// crypto::verify_password refuses it (kMalformedRequest) for every password: nobody can log
/// in with it, whatever they type. An administrator sets a password to make the user usable.
inline constexpr std::string_view kNoPasswordMarker = "!sigil-bundle:no-password";

struct Counts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
};

struct ImportSummary {
  std::string tenant;  ///< as stored
  bool tenant_created = false;
  std::optional<std::string> signing_key_id;  ///< the new tenant's active key
  bool policy_changed = false;
  Counts hostnames;
  Counts users;
  std::int64_t users_without_password = 0;  ///< created disabled, with kNoPasswordMarker
  Counts solution_users;
};

struct ApplyContext {
  const crypto::MasterKey* master_key = nullptr;
  const SchedulerOptions* options = nullptr;  ///< built-in CA and signing-key parameters
  std::string actor;                          ///< audit actor
  TimePoint now;
};

/// A tenant's whole token and lockout policy, every field set (for export).
db::TenantPolicyUpdate policy_of(const db::TenantRow& tenant);

/// Checks what the database is not asked about: the tenant name, hostnames, policy ranges,
/// solution-user certificates (exactly one PEM certificate each), password hashes ($scrypt$
/// PHC strings). kInvalidArgument naming the item.
Result<void> check_payload(const Payload& p);

/// Applies `p` in `tx` (see above). kConflict for a hostname of another tenant or a certificate
/// another solution user has; the caller rolls back.
Result<ImportSummary> apply(pqxx::dbtransaction& tx, const ApplyContext& ctx, const Payload& p);

}  // namespace sigil::certmgr::bundle
