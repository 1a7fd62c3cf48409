#pragma once
// Solution users: rows of `solution_users`, services that authenticate with a certificate,
// read and written inside a caller's transaction.
//
// A solution user is identified by its exact certificate: the lower-case hex SHA-256 of the
// DER, unique per tenant. Another certificate with the same subject DN is a different (and
// unknown) credential. Names follow the same normalised uniqueness as users (user_store.hpp),
// and groups are bare names too.
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

struct SolutionUserRow {
  std::int64_t id = 0;
  std::int64_t tenant_id = 0;
  std::string name;
  std::string certificate_pem;
  std::string certificate_sha256;  ///< lower-case hex of the certificate's DER
  std::vector<std::string> groups;
  bool disabled = false;
  TimePoint created_at;
};

class SolutionUserStore {
 public:
  explicit SolutionUserStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// kConflict if the tenant already has a solution user of that (normalised) name or with
  /// that certificate (the message says which); kNotFound for an unknown tenant;
  /// kInvalidArgument for a refused name, a digest that is not 64 hex digits, or a bad group.
  Result<SolutionUserRow> create(std::int64_t tenant_id, std::string_view name,
                                 std::string_view certificate_pem,
                                 std::string_view certificate_sha256_hex,
                                 const std::vector<std::string>& groups);
  /// The solution user registered with exactly this certificate digest, or std::nullopt.
  Result<std::optional<SolutionUserRow>> find_by_certificate(std::int64_t tenant_id,
                                                             std::string_view sha256_hex);
  /// The solution user whose normalised name matches `name`, or std::nullopt.
  Result<std::optional<SolutionUserRow>> find(std::int64_t tenant_id, std::string_view name);
  /// The tenant's solution users, by normalised name.
  Result<std::vector<SolutionUserRow>> list(std::int64_t tenant_id);
  /// kNotFound if there is no such solution user.
  Result<void> remove(std::int64_t tenant_id, std::string_view name);
  /// Replaces the solution user's groups (bare names). kNotFound if there is no such solution
  /// user; kInvalidArgument for a bad group name.
  Result<void> set_groups(std::int64_t tenant_id, std::string_view name,
                          const std::vector<std::string>& groups);
  /// kNotFound if there is no such solution user.
  Result<void> set_disabled(std::int64_t tenant_id, std::string_view name, bool disabled);

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
