#pragma once
// PeerSync: certmgr's part in linked peers (docs/peers.md). It
//   - holds the peer client certificate (peer_trust.hpp PeerIdentity), renewed as it ages;
//   - serves `POST /api/v1/peer/changes` on the admin listener (receiver.hpp), on every
//     certmgr process;
//   - on the leader only, pushes change_log records to every peer: a thread wakes every
//     `push_interval` (1 s) and on NOTIFY sigil_change_log, and for each peer sends the records
//     it has not acknowledged (seq > last_acked_seq, origin not that peer) in seq order, one
//     signed POST each, over mutually authenticated TLS (trust: the peer's bundle; our client
//     certificate). A 2xx answer advances last_acked_seq; a failure records last_error and
//     backs that peer off (1 s doubling to 60 s, +-20 % jitter). Order is never skipped: the
//     failed record is the next one sent.
//   - metrics: sigil_peer_lag_changes{peer}, sigil_peer_last_ack_timestamp_seconds{peer}
//     (refreshed every turn from PostgreSQL, on standbys too),
//     sigil_peer_changes_sent_total{peer,result} (ok, error), and
//     sigil_peer_changes_received_total{peer,result} (applied, duplicate, refused, error).
// Logs: peer.push_failed (warn, once per failure streak), peer.push_recovered,
// peer.change_applied, peer.change_refused (warn).
//
// Thread-safety: start/stop/set_leader from the app's threads; the receive handler runs on the
// server's blocking pool; the push thread owns the backoff state.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certmgr/peers/peer_trust.hpp"

#include "sigil/base/log.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/peer_store.hpp"
#include "sigil/http/router.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/service/change_watcher.hpp"

namespace sigil::certmgr::peers {

struct PeerSyncOptions {
  std::string conninfo;  ///< for LISTEN sigil_change_log
  std::string hostname;  ///< certmgr's --hostname: CN of the peer client certificate
  ca::CaOptions ca;
  std::chrono::milliseconds push_interval{1000};
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{60'000};
  std::chrono::milliseconds request_timeout{5000};
};

class PeerSync {
 public:
  PeerSync(db::ConnectionPool& pool, const crypto::MasterKey& master_key, const Clock& clock,
           const log::Logger& log, metrics::Registry& registry, PeerSyncOptions options);
  ~PeerSync();
  PeerSync(const PeerSync&) = delete;
  PeerSync& operator=(const PeerSync&) = delete;

  /// POST /api/v1/peer/changes.
  void add_routes(http::Router& router);
  void start();
  void stop();
  /// The app's leader loop says whether this process leads (only the leader pushes).
  void set_leader(bool leader);

  /// One push turn over every peer (the thread's body; public for tests).
  void push_all();

 private:
  struct Backoff {
    int failures = 0;
    std::chrono::steady_clock::time_point next{};
  };
  http::Response receive(http::Request& request);
  void push_peer(const db::PeerRow& peer, const ClientCredential& credential);
  void record_failure(const db::PeerRow& peer, const Error& error);
  void refresh_gauges(const std::vector<db::PeerRow>& peers);
  void run();
  void wake();

  db::ConnectionPool& pool_;
  const crypto::MasterKey& master_key_;
  const Clock& clock_;
  const log::Logger& log_;
  const PeerSyncOptions options_;
  PeerIdentity identity_;
  metrics::CounterFamily& sent_;
  metrics::CounterFamily& received_;
  metrics::Gauge& listen_connected_;
  std::unique_ptr<service::ChangeWatcher> watcher_;
  std::atomic<bool> leader_{false};
  std::map<std::string, Backoff> backoff_;  // push thread only
  bool identity_failed_ = false;            // push thread only

  std::mutex gauges_mu_;
  std::vector<metrics::GaugeSample> lag_;
  std::vector<metrics::GaugeSample> last_ack_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  std::thread thread_;
};

}  // namespace sigil::certmgr::peers
