#pragma once
// One Sigil deployment for the linked-peers tests: its own PostgreSQL cluster (PgCluster), a
// database with every migration, tenant vsphere.local with user alice, an admin client
// certificate, a sigil-certmgr whose admin API listens on a FIXED 127.0.0.1 port (so that a
// restart keeps the URL its peer registered) and one sigil-sts.
//
// Thread-safety: one test thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service_process.hpp"

#include "sigil/db/peer_store.hpp"
#include "sigil/testing/pg_cluster.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {

struct KeyView {
  std::string key_id;
  std::string state;
  std::int64_t activated_us = 0;  ///< 0 when NULL
  std::int64_t deactivated_us = 0;
  std::int64_t verify_until_us = 0;
  bool operator==(const KeyView&) const = default;
};

class PeerDeployment {
 public:
  /// Everything above, started; `name` prefixes the temp directory ("a", "b").
  static Result<std::unique_ptr<PeerDeployment>> start(const std::string& name);
  ~PeerDeployment();

  /// sigilctl with this deployment's environment (admin API + database).
  ProcessResult ctl(std::vector<std::string> args, const std::string& stdin_data = "");
  /// The admin API base URL: https://127.0.0.1:PORT (the peer URL of this deployment).
  const std::string& url() const { return url_; }
  std::string path(const std::string& name) const;
  const std::string& db() const { return db_; }
  /// Its PostgreSQL, for tests that crash or restart it.
  PgCluster& cluster() { return *cluster_; }

  Result<void> start_certmgr();
  Result<void> stop_certmgr();
  RunningService& certmgr() { return *certmgr_; }
  RunningService& sts() { return *sts_; }
  std::uint16_t sts_port() const { return sts_port_; }
  std::string sts_home() const { return sts_home_; }

  /// vsphere.local's keys, by key id.
  std::vector<KeyView> keys();
  /// The active key id ("" if none).
  std::string active_key();
  /// SELECT returning one bigint (tests' own queries).
  std::int64_t scalar(const std::string& sql);
  /// The peers row of `url` as PeerStore::list() sees it (nullopt if none).
  std::optional<db::PeerRow> peer(const std::string& url);
  /// The max change_log seq of records that would go to `peer_url`.
  std::int64_t last_seq_for(const std::string& peer_url);

  /// The key id sts publishes first as active at GET /api/v1/tenants/vsphere.local/signing-certs.
  std::string sts_active_key();
  /// A bearer token issued by this sts for alice ("" on failure).
  std::string issue_token();
  /// True if this sts validates `token`.
  bool validates(const std::string& token);
  /// The metrics text of certmgr.
  std::string certmgr_metrics();

 private:
  PeerDeployment(TempDir dir, std::unique_ptr<PgCluster> cluster);
  Result<void> init();
  Result<void> start_sts();
  std::string soap(const std::string& body, const std::string& action);

  TempDir dir_;
  std::unique_ptr<PgCluster> cluster_;
  std::string db_;
  std::uint16_t admin_port_ = 0;
  std::string url_;
  std::optional<RunningService> certmgr_;
  std::optional<RunningService> sts_;
  std::uint16_t sts_port_ = 0;
  std::string sts_home_;
};

/// Polls `pred` every 50 ms until it holds or `limit` passes; whether it held.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::seconds(20));

}  // namespace sigil::testing
