#include "certmgr/peers/peer_sync.hpp"

#include <algorithm>
#include <random>

#include <boost/json.hpp>

#include "certmgr/peers/change_record.hpp"
#include "certmgr/peers/receiver.hpp"

#include "sigil/db/transact.hpp"
#include "sigil/http/client.hpp"
#include "sigil/http/error_mapping.hpp"

namespace sigil::certmgr::peers {
namespace {

namespace bhttp = boost::beast::http;
constexpr std::int64_t kBatch = 16;

double seconds_of(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The server's one-line message of an error answer, or the status.
std::string answer_error(const http::ClientResponse& res) {
  std::error_code ec;
  boost::json::value v = boost::json::parse(res.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* m = v.as_object().if_contains("message"); m != nullptr && m->is_string()) {
      return "HTTP " + std::to_string(res.status) + ": " + std::string(m->as_string());
    }
  }
  return "HTTP " + std::to_string(res.status);
}

}  // namespace

PeerSync::PeerSync(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                   const Clock& clock, const log::Logger& log, metrics::Registry& registry,
                   PeerSyncOptions options)
    : pool_(pool),
      master_key_(master_key),
      clock_(clock),
      log_(log),
      options_(std::move(options)),
      identity_(pool, master_key, clock, options_.ca, options_.hostname),
      sent_(registry.counter("sigil_peer_changes_sent_total",
                             "Change records pushed to linked peers, by peer URL and result (ok, "
                             "error).",
                             {"peer", "result"})),
      received_(registry.counter("sigil_peer_changes_received_total",
                                 "Change records received from linked peers, by peer URL (\"\" "
                                 "when unauthenticated) and result (applied, duplicate, "
                                 "refused, error).",
                                 {"peer", "result"})),
      listen_connected_(registry
                            .gauge("sigil_peer_listen_connected",
                                   "1 while certmgr's LISTEN connection for change records is up.")
                            .with()) {
  registry.gauge_callback("sigil_peer_lag_changes",
                          "Change records a linked peer has not acknowledged yet, by peer URL.",
                          {"peer"}, [this] {
                            std::lock_guard lock(gauges_mu_);
                            return lag_;
                          });
  registry.gauge_callback("sigil_peer_last_ack_timestamp_seconds",
                          "When a linked peer last acknowledged a change record (Unix time; 0: "
                          "never), by peer URL.",
                          {"peer"}, [this] {
                            std::lock_guard lock(gauges_mu_);
                            return last_ack_;
                          });
}

PeerSync::~PeerSync() { stop(); }

void PeerSync::add_routes(http::Router& router) {
  router.add_blocking(
      bhttp::verb::post, kChangesPath, [this](http::Request& r) { return receive(r); },
      http::ErrorStyle::kJson);
}

http::Response PeerSync::receive(http::Request& request) {
  const TimePoint now = clock_.now();
  auto peer = authenticate_peer(pool_, request, now);
  if (!peer) {
    received_.with({{"peer", ""}, {"result", "refused"}}).inc();
    log_.warn("peer.change_refused",
              {{"remote", request.remote}, {"message", peer.error().message}});
    request.fault = std::string(errc_name(peer.error().code));
    return http::rest_error(peer.error());
  }
  auto record = parse_wire_record(request.message.body());
  Result<ApplyOutcome> outcome = record ? apply_record(pool_, master_key_, *peer, *record, now)
                                        : Result<ApplyOutcome>(unexpected(record.error()));
  if (!outcome) {
    const bool refused =
        outcome.error().code != Errc::kUnavailable && outcome.error().code != Errc::kInternal;
    received_.with({{"peer", peer->url}, {"result", refused ? "refused" : "error"}}).inc();
    log_.warn("peer.change_refused", {{"peer", peer->url},
                                      {"seq", record ? record->seq : 0},
                                      {"message", outcome.error().message}});
    request.fault = std::string(errc_name(outcome.error().code));
    return http::rest_error(outcome.error());
  }
  received_.with({{"peer", peer->url}, {"result", outcome->duplicate ? "duplicate" : "applied"}})
      .inc();
  log_.info("peer.change_applied", {{"peer", peer->url},
                                    {"seq", record->seq},
                                    {"tenant", record->tenant},
                                    {"kind", record->kind},
                                    {"duplicate", outcome->duplicate},
                                    {"changed", outcome->changed_local},
                                    {"sent_back", outcome->sent_back}});
  boost::json::object body{{"seq", record->seq},
                           {"applied", !outcome->duplicate},
                           {"changed", outcome->changed_local},
                           {"generation", outcome->generation}};
  return http::make_response(bhttp::status::ok, boost::json::serialize(body) + "\n", http::kJson);
}

void PeerSync::start() {
  if (thread_.joinable()) return;
  service::ChangeWatcherOptions wo;
  wo.conninfo = options_.conninfo;
  wo.channel = "sigil_change_log";
  wo.log_prefix = "peer";
  wo.poll_interval = options_.push_interval;
  watcher_ = std::make_unique<service::ChangeWatcher>(log_, listen_connected_, wo);
  service::ChangeWatcher::Handlers h;
  h.resync = [this](service::ChangeWatcher::Resync) {
    wake();
    return true;
  };
  h.notified = [this](const std::string&) { wake(); };
  watcher_->start(std::move(h));
  thread_ = std::thread([this] { run(); });
}

void PeerSync::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (watcher_) watcher_->stop();
  if (thread_.joinable()) thread_.join();
}

void PeerSync::set_leader(bool leader) {
  if (leader && !leader_.exchange(true)) wake();
  if (!leader) leader_ = false;
}

void PeerSync::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void PeerSync::run() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.push_interval, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
    push_all();
  }
}

void PeerSync::push_all() {
  auto peers = db::transact(pool_, "peer.list",
                            [](pqxx::dbtransaction& tx) { return db::PeerStore(tx).list(); });
  if (!peers) {
    log_.warn("peer.list_failed", {{"message", peers.error().message}});
    return;
  }
  refresh_gauges(*peers);
  if (!leader_ || peers->empty()) return;
  if (auto r = identity_.refresh(); !r) {
    if (!identity_failed_) log_.error("peer.identity_failed", {{"message", r.error().message}});
    identity_failed_ = true;  // once per streak: the loop retries every turn
    return;
  }
  identity_failed_ = false;
  const auto credential = identity_.current();
  bool pushed = false;
  for (const db::PeerRow& peer : *peers) {
    if (peer.lag == 0) continue;
    const Backoff& b = backoff_[peer.url];
    if (std::chrono::steady_clock::now() < b.next) continue;
    push_peer(peer, *credential);
    pushed = true;
  }
  if (!pushed) return;
  auto after = db::transact(pool_, "peer.list",
                            [](pqxx::dbtransaction& tx) { return db::PeerStore(tx).list(); });
  if (after) refresh_gauges(*after);
}

void PeerSync::push_peer(const db::PeerRow& peer, const ClientCredential& credential) {
  db::PeerRow state = peer;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto rows = db::transact(pool_, "peer.pending", [&](pqxx::dbtransaction& tx) {
      return db::PeerStore(tx).pending(state, kBatch);
    });
    if (!rows) return record_failure(peer, rows.error());
    if (rows->empty()) return;
    for (const db::ChangeRow& row : *rows) {
      auto wire = wire_record_of(row, master_key_);
      if (!wire) return record_failure(peer, wire.error());
      http::ClientRequest req;
      req.method = bhttp::verb::post;
      req.url = base_url(peer.url) + std::string(kChangesPath);
      req.body = serialize(*wire);
      req.content_type = "application/json";
      req.timeout = options_.request_timeout;
      req.tls.trust_pem = peer.ca_pem;
      req.tls.client_cert_pem = credential.certificate_pem;
      req.tls.client_key_pem = std::string(credential.key_pem.view());
      auto signature = sign_body(credential.key.get(), req.body);
      if (!signature) return record_failure(peer, signature.error());
      req.headers.emplace_back(kSignatureHeader, *signature);
      req.headers.emplace_back(kSignerHeader, credential.certificate_der_b64);
      auto res = http::send(req);
      if (!res) return record_failure(peer, res.error());
      if (res->status < 200 || res->status >= 300) {
        return record_failure(peer, make_error(Errc::kUnavailable, answer_error(*res)));
      }
      auto ack = db::transact(pool_, "peer.ack", [&](pqxx::dbtransaction& tx) {
        return db::PeerStore(tx).acknowledged(peer.id, row.seq, clock_.now());
      });
      if (!ack) return record_failure(peer, ack.error());
      sent_.with({{"peer", peer.url}, {"result", "ok"}}).inc();
      state.last_acked_seq = row.seq;
      Backoff& b = backoff_[peer.url];
      if (b.failures > 0) log_.info("peer.push_recovered", {{"peer", peer.url}});
      b = Backoff{};
    }
  }
}

void PeerSync::record_failure(const db::PeerRow& peer, const Error& error) {
  sent_.with({{"peer", peer.url}, {"result", "error"}}).inc();
  Backoff& b = backoff_[peer.url];
  if (b.failures == 0) {
    log_.warn("peer.push_failed", {{"peer", peer.url}, {"message", error.message}});
  }
  b.failures = std::min(b.failures + 1, 30);
  auto delay = options_.first_backoff * (1LL << std::min(b.failures - 1, 20));
  delay = std::min<std::chrono::milliseconds>(delay, options_.max_backoff);
  static thread_local std::minstd_rand jitter(std::random_device{}());
  const double factor = std::uniform_real_distribution<double>(0.8, 1.2)(jitter);
  b.next = std::chrono::steady_clock::now() +
           std::chrono::milliseconds(static_cast<std::int64_t>(delay.count() * factor));
  auto r = db::transact(pool_, "peer.failed", [&](pqxx::dbtransaction& tx) {
    return db::PeerStore(tx).failed(peer.id, error.message);
  });
  (void)r;  // best effort: the failure is logged and counted already
}

void PeerSync::refresh_gauges(const std::vector<db::PeerRow>& peers) {
  std::vector<metrics::GaugeSample> lag;
  std::vector<metrics::GaugeSample> acked;
  for (const db::PeerRow& p : peers) {
    lag.push_back({{{"peer", p.url}}, static_cast<double>(p.lag)});
    acked.push_back({{{"peer", p.url}}, p.last_acked_at ? seconds_of(*p.last_acked_at) : 0.0});
  }
  std::lock_guard lock(gauges_mu_);
  lag_ = std::move(lag);
  last_ack_ = std::move(acked);
}

}  // namespace sigil::certmgr::peers
