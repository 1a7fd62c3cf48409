#pragma once
// HTTPS server certificates: rows of `server_certificates`, one lifecycle per hostname ('' is the
// default certificate, served for unknown SNI names), read and written inside a caller's
// transaction.
//
// States: 'pending' (a key + CSR waiting for the CA's certificate) -> 'active' -> 'previous'.
// The database keeps at most one pending and one active row per hostname (partial unique
// indexes); activating a row moves the active one to 'previous' in the same transaction. Every
// change fires NOTIFY sigil_server_certs (payload: hostname) by trigger, which sts replicas
// listen on to swap their TLS context without a restart.
//
// The private key arrives already envelope-encrypted (crypto::seal_private_key) with the AAD
// server_cert_aad(hostname), so a ciphertext copied onto another hostname does not open.
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

/// The AAD of a server certificate's private-key envelope: "server-cert;hostname=<hostname>".
std::string server_cert_aad(std::string_view hostname);

/// The name (as stored) of the tenant that has `hostname` (lower case, exact) in
/// tenant_hostnames; nullopt when no tenant has it. With `lock`, the hostname's row is locked
/// FOR SHARE until the transaction ends, so it cannot move to another tenant meanwhile (admin
/// API: a tenant's administrators may manage the server certificates of its own hostnames only).
Result<std::optional<std::string>> hostname_owner(pqxx::dbtransaction& tx,
                                                  std::string_view hostname, bool lock = false);

struct ServerCertRow {
  std::int64_t id = 0;
  std::string hostname;
  std::string state;  ///< "pending", "active", "previous"
  std::optional<std::string> certificate_chain_pem;  ///< leaf first; absent while pending a CSR
  std::optional<std::string> csr_pem;
  std::string private_key_ciphertext;
  std::string master_key_id;
  bool self_signed = false;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  TimePoint created_at;
  std::optional<TimePoint> activated_at;
  std::optional<TimePoint> superseded_at;
};

/// What a new row holds: a key with a CSR, or a key with its certificate chain (or both).
struct NewServerCert {
  std::string hostname;  ///< lower case; '' = the default certificate
  std::optional<std::string> certificate_chain_pem;
  std::optional<std::string> csr_pem;
  std::string private_key_ciphertext;
  std::string master_key_id;
  bool self_signed = false;
  std::optional<TimePoint> not_before;  ///< set exactly when certificate_chain_pem is
  std::optional<TimePoint> not_after;
};

class ServerCertStore {
 public:
  explicit ServerCertStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  Result<std::optional<ServerCertRow>> active(std::string_view hostname);
  Result<std::optional<ServerCertRow>> pending(std::string_view hostname);
  /// The active rows of every hostname except the default (''), ordered by hostname.
  Result<std::vector<ServerCertRow>> active_hostnames();

  /// Stores `cert` as the hostname's pending row, replacing (deleting) an earlier pending one:
  /// a new CSR supersedes an unanswered one.
  Result<ServerCertRow> insert_pending(const NewServerCert& cert);

  /// Makes pending row `id` active with `chain_pem` (leaf first) valid [not_before, not_after);
  /// the active row, if any, becomes 'previous'. kNotFound when `id` is not pending (any more).
  Result<ServerCertRow> activate_pending(std::int64_t id, const std::string& chain_pem,
                                         TimePoint not_before, TimePoint not_after, TimePoint now);

  /// Stores `cert` (with its certificate) directly as the hostname's active row; the active row,
  /// if any, becomes 'previous'. A pending row is left alone.
  Result<ServerCertRow> insert_active(const NewServerCert& cert, TimePoint now);

 private:
  Result<void> supersede_active(const std::string& hostname, TimePoint now);

  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
