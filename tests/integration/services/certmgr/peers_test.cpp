// Linked peers (issue 7, docs/peers.md): two deployments, each with its own PostgreSQL cluster,
// sigil-certmgr and sigil-sts, linked both ways with `sigilctl peer identity / add`.
//   - a refresh on A is served by B's sts within seconds, and A's tokens validate on B;
//   - B's certmgr down, three changes on A, B back: B catches up in seq order;
//   - rotations on both sides while unlinked: once relinked both end with the same key set, the
//     key the conflict rule picks (activated last) active;
//   - unauthenticated, wrong-CA and badly signed records are refused and change nothing;
//   - peer add refuses a bad URL or trust bundle.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include "sigil/ca/builtin_ca.hpp"
#include "certmgr/peers/change_record.hpp"
#include "certmgr/peers/peer_trust.hpp"
#include "peer_deployment.hpp"

#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/http/client.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class LinkedPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = PeerDeployment::start("a");
    ASSERT_TRUE(a) << a.error();
    a_ = std::move(*a);
    auto b = PeerDeployment::start("b");
    ASSERT_TRUE(b) << b.error();
    b_ = std::move(*b);
    for (PeerDeployment* d : {a_.get(), b_.get()}) {
      auto r = d->ctl({"peer", "identity", "--out", d->path("identity.pem")});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    link();
  }

  // A adds B and B adds A; then waits until both hold the same key set with nothing pending.
  void link() {
    auto ab = add_peer(*a_, b_->url(), b_->path("identity.pem"));
    ASSERT_EQ(ab.exit_code, 0) << ab.out << ab.err;
    auto ba = add_peer(*b_, a_->url(), a_->path("identity.pem"));
    ASSERT_EQ(ba.exit_code, 0) << ba.out << ba.err;
    ASSERT_TRUE(eventually([&] { return converged(); }, 30s))
        << "A: " << a_->certmgr().log() << "\nB: " << b_->certmgr().log();
  }

  ProcessResult add_peer(PeerDeployment& on, const std::string& url, const std::string& bundle) {
    return on.ctl({"peer", "add", url, "--ca", bundle});
  }

  bool converged() {
    auto ab = a_->peer(b_->url());
    auto ba = b_->peer(a_->url());
    return ab && ba && ab->lag == 0 && ba->lag == 0 && a_->keys() == b_->keys() &&
           !a_->active_key().empty();
  }

  std::unique_ptr<PeerDeployment> a_;
  std::unique_ptr<PeerDeployment> b_;
};

TEST_F(LinkedPeers, ARefreshOnAIsServedByBsStsWithinSecondsAndAsTokensValidateOnB) {
  const std::string before = a_->active_key();
  auto r = a_->ctl({"signing-cert", "refresh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto t0 = SteadyClock::now();
  const std::string fresh = a_->active_key();
  ASSERT_NE(fresh, before);
  ASSERT_TRUE(eventually([&] { return b_->sts_active_key() == fresh; }, 10s))
      << b_->certmgr().log();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  std::printf("[ peers ] refresh on A served by B's sts after %.3f s\n", seconds);
  EXPECT_LT(seconds, 5.0);

  const std::string token = a_->issue_token();
  ASSERT_FALSE(token.empty()) << a_->sts().log();
  EXPECT_TRUE(a_->validates(token));
  EXPECT_TRUE(b_->validates(token)) << b_->sts().log();

  ASSERT_TRUE(eventually([&] { return converged(); }));
  EXPECT_EQ(b_->active_key(), fresh);
  // peer list: B acknowledged everything A has for it.
  auto list = a_->ctl({"peer", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto v = boost::json::parse(list.out);
  const auto& peers = v.at("peers").as_array();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].at("url").as_string(), b_->url());
  EXPECT_EQ(peers[0].at("lag").as_int64(), 0);
  EXPECT_EQ(peers[0].at("last_acked_seq").as_int64(), a_->last_seq_for(b_->url()));
  EXPECT_TRUE(peers[0].at("last_error").is_null());
  auto table = a_->ctl({"peer", "list"});
  EXPECT_NE(table.out.find(b_->url()), std::string::npos) << table.out;

  // Metrics: lag 0 for B, records sent and received, and the text passes promtool.
  const std::string metrics = a_->certmgr_metrics();
  EXPECT_NE(metrics.find("sigil_peer_lag_changes{peer=\"" + b_->url() + "\"} 0"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sigil_peer_changes_sent_total{peer=\"" + b_->url() + "\",result=\"ok\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("sigil_peer_last_ack_timestamp_seconds{peer=\"" + b_->url() + "\"} 1"),
            std::string::npos);
  auto promtool = promtool_check_metrics(metrics);
  ASSERT_TRUE(promtool) << promtool.error();
  EXPECT_EQ(promtool->exit_code, 0) << promtool->out << promtool->err;
  EXPECT_NE(b_->certmgr_metrics().find("sigil_peer_changes_received_total{peer=\"" + a_->url() +
                                       "\",result=\"applied\"}"),
            std::string::npos);
}

// Idempotency: A forgets that B acknowledged its records (as after a crash between B's commit
// and A's bookkeeping) and sends them all again. B acknowledges each as a duplicate and applies
// none: its key set and its key-set generation (bumped by every applied change) stay as they were.
TEST_F(LinkedPeers, RecordsSentAgainAreAcknowledgedAndNotAppliedTwice) {
  auto r = a_->ctl({"signing-cert", "refresh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return converged(); }, 30s));
  const std::int64_t last = a_->last_seq_for(b_->url());
  ASSERT_GT(last, 0);
  const auto keys_before = b_->keys();
  const std::int64_t generation_before =
      b_->scalar("SELECT keyset_generation FROM tenants WHERE name = 'vsphere.local'");
  const std::int64_t applied_before = b_->peer(a_->url())->last_applied_seq;

  a_->scalar("UPDATE peers SET last_acked_seq = 0 WHERE url = '" + b_->url() +
             "' RETURNING 0");
  ASSERT_TRUE(eventually([&] { return a_->peer(b_->url())->last_acked_seq == last; }, 30s))
      << a_->certmgr().log();
  EXPECT_NE(b_->certmgr_metrics().find("sigil_peer_changes_received_total{peer=\"" +
                                       a_->url() + "\",result=\"duplicate\"}"),
            std::string::npos);
  EXPECT_EQ(b_->keys(), keys_before);
  EXPECT_EQ(b_->scalar("SELECT keyset_generation FROM tenants WHERE name = 'vsphere.local'"),
            generation_before);
  EXPECT_EQ(b_->peer(a_->url())->last_applied_seq, applied_before);
}

TEST_F(LinkedPeers, WithBsCertmgrStoppedThreeChangesOnACatchUpInOrderWhenBReturns) {
  const std::int64_t before = a_->last_seq_for(b_->url());
  ASSERT_TRUE(b_->stop_certmgr());
  auto refresh = a_->ctl({"signing-cert", "refresh"});
  ASSERT_EQ(refresh.exit_code, 0) << refresh.err;
  auto add = a_->ctl({"signing-cert", "add", "--key-type", "ecdsa-p256"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  std::string added = add.out.substr(0, add.out.find('\n'));
  auto activate = a_->ctl({"signing-cert", "activate", added});
  ASSERT_EQ(activate.exit_code, 0) << activate.err;
  ASSERT_EQ(a_->active_key(), added);
  // A keeps them for B, and says why they are not acknowledged.
  ASSERT_TRUE(eventually([&] {
    auto p = a_->peer(b_->url());
    return p && p->lag >= 3 && p->last_error.has_value();
  }));
  std::vector<std::int64_t> expected;
  {
    pqxx::connection c(a_->db());
    for (const auto& row : pqxx::nontransaction(c).exec_params(
             "SELECT seq FROM change_log WHERE seq > $1 AND origin IS DISTINCT FROM $2 ORDER BY "
             "seq",
             before, b_->url())) {
      expected.push_back(row[0].as<std::int64_t>());
    }
  }
  ASSERT_GE(expected.size(), 3u);
  // The lag is visible: in `peer list` (with the reason) and on /metrics.
  auto listed = a_->ctl({"peer", "list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const boost::json::value listed_json = boost::json::parse(listed.out);
  const auto& row = listed_json.at("peers").as_array().at(0);
  EXPECT_GE(row.at("lag").as_int64(), static_cast<std::int64_t>(expected.size()));
  EXPECT_TRUE(row.at("last_error").is_string()) << listed.out;
  static const std::regex lag_re("sigil_peer_lag_changes\\{peer=\"[^\"]+\"\\} ([0-9]+)");
  ASSERT_TRUE(eventually([&] {
    const std::string m = a_->certmgr_metrics();
    std::smatch match;
    return std::regex_search(m, match, lag_re) && std::stoll(match[1].str()) >= 3;
  })) << a_->certmgr_metrics();

  ASSERT_TRUE(b_->start_certmgr());
  ASSERT_TRUE(eventually([&] { return converged(); }, 60s))
      << "A: " << a_->certmgr().log() << "\nB: " << b_->certmgr().log();
  EXPECT_EQ(b_->active_key(), added);
  EXPECT_EQ(b_->peer(a_->url())->last_applied_seq, a_->last_seq_for(b_->url()));
  EXPECT_FALSE(a_->peer(b_->url())->last_error.has_value());
  // In order: B applied A's records one by one, in seq order, none skipped.
  std::vector<std::int64_t> applied;
  static const std::regex re("event=peer\\.change_applied [^\\n]*?seq=([0-9]+)");
  const std::string log = b_->certmgr().log();
  for (std::sregex_iterator it(log.begin(), log.end(), re), end; it != end; ++it) {
    applied.push_back(std::stoll((*it)[1].str()));
  }
  EXPECT_TRUE(std::is_sorted(applied.begin(), applied.end())) << log;
  for (std::int64_t seq : expected) {
    EXPECT_NE(std::find(applied.begin(), applied.end(), seq), applied.end()) << "seq " << seq;
  }
  ASSERT_TRUE(eventually([&] { return b_->sts_active_key() == added; }, 10s));
  const std::string token = a_->issue_token();
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(b_->validates(token));
}

TEST_F(LinkedPeers, RotationsOnBothSidesWhileUnlinkedConvergeOnTheKeyActivatedLast) {
  ASSERT_EQ(a_->ctl({"peer", "remove", b_->url()}).exit_code, 0);
  ASSERT_EQ(b_->ctl({"peer", "remove", a_->url()}).exit_code, 0);
  ASSERT_EQ(b_->ctl({"signing-cert", "refresh"}).exit_code, 0);
  ASSERT_EQ(a_->ctl({"signing-cert", "refresh"}).exit_code, 0);
  const std::string ka = a_->active_key();
  const std::string kb = b_->active_key();
  ASSERT_NE(ka, kb);
  auto activated = [](PeerDeployment& d, const std::string& id) {
    for (const auto& k : d.keys()) {
      if (k.key_id == id) return k.activated_us;
    }
    return std::int64_t{0};
  };
  const std::int64_t ta = activated(*a_, ka);
  const std::int64_t tb = activated(*b_, kb);
  const bool a_wins = ta != tb ? ta > tb : ka > kb;
  const std::string winner = a_wins ? ka : kb;
  const std::string loser = a_wins ? kb : ka;

  link();
  if (HasFatalFailure()) return;
  for (PeerDeployment* d : {a_.get(), b_.get()}) {
    EXPECT_EQ(d->active_key(), winner);
    int seen = 0;
    for (const auto& k : d->keys()) {
      if (k.key_id != loser) continue;
      ++seen;
      EXPECT_EQ(k.state, "verify-only");
      EXPECT_EQ(k.deactivated_us, a_wins ? ta : tb);
      EXPECT_GT(k.verify_until_us, k.deactivated_us);
    }
    EXPECT_EQ(seen, 1) << "the losing key is missing";
  }
  EXPECT_EQ(a_->keys(), b_->keys());
  ASSERT_TRUE(eventually([&] { return a_->sts_active_key() == winner; }, 10s));
  ASSERT_TRUE(eventually([&] { return b_->sts_active_key() == winner; }, 10s));
}

// A client certificate for `key` from the CA of deployment `d` (its key opened with d's master
// key), as a peer's certmgr would have.
crypto::X509Ptr client_cert_from(PeerDeployment& d, EVP_PKEY* key) {
  pqxx::connection c(d.db());
  auto row = pqxx::nontransaction(c).exec1(
      "SELECT certificate_pem, private_key_ciphertext, certificate_sha256 FROM ca_certificates "
      "WHERE state = 'active'");
  auto mk = crypto::load_master_key(d.path("master.key"));
  EXPECT_TRUE(mk);
  auto ca_key = crypto::open_private_key(*mk, row[1].as<std::string>(),
                                         ca::ca_key_aad(row[2].as<std::string>()));
  EXPECT_TRUE(ca_key);
  auto ca = crypto::parse_certificate_pem(row[0].as<std::string>());
  crypto::CertRequest req;
  req.subject.common_name = "sigil-peer forged";
  req.subject_key = key;
  req.issuer_key = ca_key->get();
  req.issuer_cert = ca->get();
  req.not_before = std::chrono::system_clock::now() - 1h;
  req.not_after = std::chrono::system_clock::now() + 1h;
  req.key_usage.digital_signature = true;
  crypto::ExtendedKeyUsage e;
  e.client_auth = true;
  req.extended_key_usage = e;
  auto cert = crypto::issue_certificate(req);
  EXPECT_TRUE(cert) << cert.error();
  return std::move(*cert);
}

TEST_F(LinkedPeers, UnauthenticatedWrongCaAndBadlySignedRecordsAreRefusedAndChangeNothing) {
  const std::int64_t applied = b_->peer(a_->url())->last_applied_seq;
  auto generation = [&] {
    return b_->scalar("SELECT keyset_generation FROM tenants WHERE name = 'vsphere.local'");
  };
  const std::int64_t gen = generation();
  certmgr::peers::WireRecord rec;
  rec.seq = applied + 1000;
  rec.tenant = "vsphere.local";
  rec.kind = "keyset.rotate";
  const std::string body = certmgr::peers::serialize(rec);
  const std::string b_bundle = slurp(b_->path("identity.pem"));
  auto post = [&](const std::string& cert_pem, const std::string& key_pem,
                  std::vector<std::pair<std::string, std::string>> headers,
                  const std::string& payload) {
    http::ClientRequest req;
    req.method = boost::beast::http::verb::post;
    req.url = b_->url() + "/api/v1/peer/changes";
    req.body = payload;
    req.content_type = "application/json";
    req.tls.trust_pem = b_bundle;
    req.tls.client_cert_pem = cert_pem;
    req.tls.client_key_pem = key_pem;
    req.headers = std::move(headers);
    auto res = http::send(req);
    EXPECT_TRUE(res) << res.error();
    return res ? *res : http::ClientResponse{};
  };
  auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(key);
  const std::string key_pem(crypto::write_private_key_pem(key->get())->view());
  auto sign = [&](const std::string& text) { return *certmgr::peers::sign_body(key->get(), text); };

  // 1. No client certificate.
  EXPECT_EQ(post("", "", {{"Sigil-Signature", sign(body)}}, body).status, 401u);
  // 2. A client certificate from a CA no peer is registered with.
  auto stranger_key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(stranger_key);
  crypto::CertRequest self;
  self.subject.common_name = "stranger CA";
  self.subject_key = stranger_key->get();
  self.issuer_key = stranger_key->get();
  self.not_before = std::chrono::system_clock::now() - 1h;
  self.not_after = std::chrono::system_clock::now() + 1h;
  self.is_ca = true;
  self.key_usage.key_cert_sign = true;
  auto stranger_ca = crypto::issue_certificate(self);
  ASSERT_TRUE(stranger_ca);
  crypto::CertRequest leaf_req;
  leaf_req.subject.common_name = "sigil-peer stranger";
  leaf_req.subject_key = key->get();
  leaf_req.issuer_key = stranger_key->get();
  leaf_req.issuer_cert = stranger_ca->get();
  leaf_req.not_before = self.not_before;
  leaf_req.not_after = self.not_after;
  leaf_req.key_usage.digital_signature = true;
  crypto::ExtendedKeyUsage client_eku;
  client_eku.client_auth = true;
  leaf_req.extended_key_usage = client_eku;
  auto stranger_leaf = crypto::issue_certificate(leaf_req);
  ASSERT_TRUE(stranger_leaf);
  const std::string stranger_pem = *crypto::write_certificate_pem(stranger_leaf->get());
  EXPECT_EQ(post(stranger_pem, key_pem, {{"Sigil-Signature", sign(body)}}, body).status, 401u);
  // 3. A's CA vouches for the certificate, but the signature is over other bytes, missing, or
  //    made with another certificate than the TLS one.
  crypto::X509Ptr forged = client_cert_from(*a_, key->get());
  const std::string forged_pem = *crypto::write_certificate_pem(forged.get());
  const std::string der_b64 = crypto::base64_encode(*crypto::write_certificate_der(forged.get()));
  auto bad_sig =
      post(forged_pem, key_pem,
           {{"Sigil-Signature", sign(body + " ")}, {"Sigil-Signature-Certificate", der_b64}}, body);
  EXPECT_GE(bad_sig.status, 400u);
  EXPECT_LT(bad_sig.status, 500u);
  EXPECT_GE(post(forged_pem, key_pem, {{"Sigil-Signature-Certificate", der_b64}}, body).status,
            400u);
  EXPECT_GE(post(forged_pem, key_pem,
                 {{"Sigil-Signature", sign(body)}, {"Sigil-Signature-Certificate", "AAAA"}}, body)
                .status,
            400u);
  EXPECT_EQ(b_->peer(a_->url())->last_applied_seq, applied);
  EXPECT_EQ(generation(), gen);

  // 4. Properly signed: an unknown tenant is a precise 409; an old seq is acknowledged only.
  certmgr::peers::WireRecord unknown = rec;
  unknown.tenant = "nowhere.local";
  const std::string unknown_body = certmgr::peers::serialize(unknown);
  auto conflict =
      post(forged_pem, key_pem,
           {{"Sigil-Signature", sign(unknown_body)}, {"Sigil-Signature-Certificate", der_b64}},
           unknown_body);
  EXPECT_EQ(conflict.status, 409u) << conflict.body;
  EXPECT_NE(conflict.body.find("create the tenant"), std::string::npos) << conflict.body;
  certmgr::peers::WireRecord old = rec;
  old.seq = applied;
  const std::string old_body = certmgr::peers::serialize(old);
  auto dup = post(forged_pem, key_pem,
                  {{"Sigil-Signature", sign(old_body)}, {"Sigil-Signature-Certificate", der_b64}},
                  old_body);
  EXPECT_EQ(dup.status, 200u) << dup.body;
  EXPECT_NE(dup.body.find("\"applied\":false"), std::string::npos) << dup.body;
  EXPECT_EQ(b_->peer(a_->url())->last_applied_seq, applied);
  EXPECT_EQ(generation(), gen);
  EXPECT_NE(
      b_->certmgr_metrics().find("sigil_peer_changes_received_total{peer=\"\",result=\"refused\"}"),
      std::string::npos);
}

TEST_F(LinkedPeers, PeerAddRefusesABadUrlOrTrustBundleAndChangesNothing) {
  const std::string bundle = b_->path("identity.pem");
  auto http_url = add_peer(*a_, "http://127.0.0.1:1", bundle);
  EXPECT_EQ(http_url.exit_code, 1);
  EXPECT_NE(http_url.err.find("https"), std::string::npos) << http_url.err;
  auto path_url = add_peer(*a_, "https://127.0.0.1:1/api", bundle);
  EXPECT_EQ(path_url.exit_code, 1);
  std::ofstream(a_->path("junk.pem")) << "not a certificate\n";
  auto junk = add_peer(*a_, "https://127.0.0.1:1", a_->path("junk.pem"));
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.err.find("no PEM certificate"), std::string::npos) << junk.err;
  auto leaf = add_peer(*a_, "https://127.0.0.1:1", a_->path("admin.crt"));
  EXPECT_EQ(leaf.exit_code, 1);
  EXPECT_NE(leaf.err.find("no CA"), std::string::npos) << leaf.err;
  auto missing = add_peer(*a_, "https://127.0.0.1:1", a_->path("nope.pem"));
  EXPECT_EQ(missing.exit_code, 1);
  auto twice = add_peer(*a_, b_->url(), bundle);
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("already linked"), std::string::npos) << twice.err;
  auto list = a_->ctl({"peer", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(boost::json::parse(list.out).at("peers").as_array().size(), 1u);
  auto help = a_->ctl({"peer", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("peer add URL --ca FILE"), std::string::npos) << help.out;
  auto usage = a_->ctl({"peer", "frobnicate"});
  EXPECT_EQ(usage.exit_code, 2);
  // Audit: the add is in the log with the administrator.
  EXPECT_GE(a_->scalar("SELECT count(*) FROM audit_log WHERE action = 'peer.add'"), 1);
}

}  // namespace
}  // namespace sigil::testing
