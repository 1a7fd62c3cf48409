#pragma once
// Alarms: rows of `alarms`, one open row per (kind, subject) at a time (partial unique index),
// read and written inside a caller's transaction. certmgr's scheduler raises and clears them;
// `sigilctl alarms list` and the metrics read them.
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

struct AlarmRow {
  std::int64_t id = 0;
  std::optional<std::int64_t> tenant_id;  ///< nullopt: deployment-wide (the CA)
  std::string tenant;                     ///< tenant name, "" when deployment-wide
  std::string kind;                       ///< e.g. "signing-cert.expiry"
  std::string subject;                    ///< key id, hostname, CA fingerprint
  std::string severity;                   ///< "info", "warning", "critical"
  std::string message;
  TimePoint first_raised_at;
  TimePoint last_raised_at;
  std::optional<TimePoint> last_notified_at;
  std::optional<TimePoint> cleared_at;
};

/// An active TLS server certificate's expiry (server_certificates), for its alarm and metric.
struct ServerCertExpiry {
  std::string hostname;  ///< '' = the default certificate
  TimePoint not_after;
};

class AlarmStore {
 public:
  explicit AlarmStore(pqxx::dbtransaction& tx) noexcept : tx_(tx) {}

  /// The open alarm of (kind, subject), if any.
  Result<std::optional<AlarmRow>> open(std::string_view kind, std::string_view subject);
  /// Raises (kind, subject) at `at`, or updates the open one: severity, message,
  /// last_raised_at, and last_notified_at when `notified`. Returns the row.
  Result<AlarmRow> raise(std::optional<std::int64_t> tenant_id, std::string_view kind,
                         std::string_view subject, std::string_view severity,
                         std::string_view message, TimePoint at, bool notified);
  /// Clears the open alarm of (kind, subject) at `at`; false when none was open.
  Result<bool> clear(std::string_view kind, std::string_view subject, TimePoint at);
  /// Open alarms of `kind` (all kinds when empty) whose subject is not in `keep`, for clearing
  /// alarms of things that went away.
  Result<std::vector<AlarmRow>> open_except(std::optional<std::int64_t> tenant_id,
                                            std::string_view kind,
                                            const std::vector<std::string>& keep);
  /// Every active server certificate that has a certificate (not just a CSR), by hostname.
  Result<std::vector<ServerCertExpiry>> active_server_certs();
  /// Open alarms (and, with `include_cleared`, cleared ones too), newest first.
  Result<std::vector<AlarmRow>> list(bool include_cleared);

 private:
  pqxx::dbtransaction& tx_;
};

}  // namespace sigil::db
