#pragma once
// The built-in certificate authority's certificates: rows of `ca_certificates` (scope: the
// deployment, tenant_id NULL), read and written inside a caller's transaction.
//
// The database keeps at most one active CA per scope (partial unique index). A CA's private
// key arrives already envelope-encrypted.
//
// Thread-safety: a store is bound to one transaction, which belongs to one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::db {

struct CaRow {
  std::int64_t id = 0;
  std::string state;  ///< "active", "previous", "retired"
  std::string subject_dn;
  std::string certificate_pem;
  std::string certificate_sha256;  ///< lower-case hex of the DER
  std::string private_key_ciphertext;
  std::string master_key_id;
  TimePoint not_before;
  TimePoint not_after;
  TimePoint created_at;
};

class CaStore {
 public:
  explicit CaStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// Serialises CA creation for the rest of the transaction (pg_advisory_xact_lock), so two
  /// certmgr processes starting together create one CA.
  Result<void> lock_creation();
  /// The deployment's active CA, if there is one.
  Result<std::optional<CaRow>> active();
  /// Every CA certificate of the deployment, newest first.
  Result<std::vector<CaRow>> list();
  /// Stores `row` as the deployment's active CA (id, state and created_at are ignored).
  /// kConflict if there is an active CA already or the certificate exists.
  Result<CaRow> insert_active(const CaRow& row);

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
