#pragma once
// What importing a signed configuration bundle (docs/bundles.md) writes beyond the other
// stores: the deployment's list of trusted bundle signers (table bundle_trusted_signers,
// proto/sql/005) and in-place updates of a user's profile and of a solution user, which
// UserStore and SolutionUserStore do not offer. Every method runs inside the caller's
// transaction (the import's one transaction); audit rows are the caller's.
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::db {

struct TrustedSignerRow {
  std::string sha256;  ///< lower-case hex of the signer certificate's DER
  std::string subject;
  TimePoint added_at;
  std::string added_by;
};

/// A user's attributes a bundle carries (not the password, not the lockout state).
struct UserProfile {
  std::vector<std::string> groups;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  bool disabled = false;
};

class BundleStore {
 public:
  explicit BundleStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// True when `sha256_hex` (lower-case, 64 digits) is a trusted signer.
  Result<bool> is_trusted(std::string_view sha256_hex);
  /// Adds a trusted signer; false when it was already there (nothing written).
  /// kInvalidArgument for a digest that is not 64 lower-case hex digits.
  Result<bool> trust(std::string_view sha256_hex, std::string_view subject,
                     std::string_view added_by);
  /// Every trusted signer, oldest first.
  Result<std::vector<TrustedSignerRow>> trusted_signers();

  /// Replaces groups, names and the disabled flag of user `user_id`. kNotFound if it is gone;
  /// kInvalidArgument for a bad group or text.
  Result<void> update_user_profile(std::int64_t user_id, const UserProfile& profile);
  /// Replaces a solution user's certificate (PEM and the SHA-256 of its DER), groups and
  /// disabled flag. kConflict when another solution user of the tenant has that certificate.
  Result<void> update_solution_user(std::int64_t solution_user_id, std::string_view certificate_pem,
                                    std::string_view certificate_sha256_hex,
                                    const std::vector<std::string>& groups, bool disabled);

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
