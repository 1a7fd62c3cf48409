// The deployment's default HTTPS server certificate at first start (issue: server TLS
// certificates): sigil-certmgr's first scheduler pass makes it self-signed in PostgreSQL, for
// --sts-hostname with C=--server-cert-country and its key sealed with the master key; a restart
// makes no second one; sigil-sts serves it. The scheduler renews a self-signed default ahead of
// expiry and never touches a certificate the operator imported.
#include <gtest/gtest.h>

#include <thread>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "certmgr/renew/scheduler.hpp"
#include "service_process.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class ServerCertBootstrap : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    auto dir = TempDir::create("sigil-bootstrap-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    master_key_file_ = (dir_->path() / "master.key").string();
    ASSERT_TRUE(crypto::create_master_key_file(master_key_file_));
  }
  Result<RunningService> certmgr() {
    return RunningService::start(
        certmgr_binary(), {"--db", conninfo(), "--master-key-file", master_key_file_,
                           "--ca-key-type", "ecdsa-p256", "--bootstrap-server-cert", "self-signed",
                           "--server-cert-country", "de", "--sts-hostname", "sts.example.test"});
  }
  static bool wait_for(RunningService& s, std::string_view text, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (s.log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::vector<db::ServerCertRow> active_default() {
    auto pool = db::ConnectionPool(conninfo(), db::PoolOptions{});
    auto r = db::transact(pool, "read", [](pqxx::dbtransaction& tx)
                                            -> Result<std::vector<db::ServerCertRow>> {
      std::vector<db::ServerCertRow> out;
      SIGIL_TRY(auto a, db::ServerCertStore(tx).active(""));
      if (a) out.push_back(*a);
      return out;
    });
    EXPECT_TRUE(r) << r.error();
    return r ? *r : std::vector<db::ServerCertRow>{};
  }
  std::string sql_text(const std::string& sql) {
    pqxx::connection c(conninfo());
    auto r = pqxx::nontransaction(c).exec(sql);
    return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].as<std::string>();
  }

  std::optional<TempDir> dir_;
  std::string master_key_file_;
};

TEST_F(ServerCertBootstrap, FirstPassMakesOneDefaultCertificateThatStsServes) {
  EXPECT_EQ(sql_text("SELECT count(*) FROM server_certificates"), "0");
  auto a = certmgr();
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(wait_for(*a, "event=scheduler.pass ", 30s)) << a->log();
  EXPECT_NE(a->log().find("event=scheduler.server-cert.created"), std::string::npos) << a->log();

  auto active = active_default();
  ASSERT_EQ(active.size(), 1u);
  const db::ServerCertRow& row = active.front();
  EXPECT_TRUE(row.self_signed);
  ASSERT_TRUE(row.certificate_chain_pem);
  auto cert = crypto::parse_certificate_pem(*row.certificate_chain_pem);
  ASSERT_TRUE(cert) << cert.error();
  auto info = crypto::describe(cert->get());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "CN=sts.example.test,C=DE");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"sts.example.test", "localhost"}));
  ASSERT_TRUE(info->extended_key_usage);
  EXPECT_TRUE(info->extended_key_usage->server_auth);
  EXPECT_FALSE(info->is_ca);
  // The key is sealed: not a PEM in the database, and it opens only with the master key.
  EXPECT_EQ(row.private_key_ciphertext.find("PRIVATE KEY"), std::string::npos);
  auto master = crypto::load_master_key(master_key_file_);
  ASSERT_TRUE(master) << master.error();
  auto key = crypto::open_private_key(*master, row.private_key_ciphertext,
                                      db::server_cert_aad(""));
  ASSERT_TRUE(key) << key.error();
  EXPECT_TRUE(crypto::key_matches_certificate(key->get(), cert->get()));
  EXPECT_EQ(sql_text("SELECT actor || ' ' || action FROM audit_log WHERE target = "
                     "'server-cert:default'"),
            "sigil-certmgr server-cert.created");

  // A restart finds the certificate and makes no other.
  ASSERT_TRUE(a->terminate(10s));
  auto b = certmgr();
  ASSERT_TRUE(b) << b.error();
  ASSERT_TRUE(wait_for(*b, "event=scheduler.pass ", 30s)) << b->log();
  EXPECT_EQ(b->log().find("event=scheduler.server-cert.created"), std::string::npos) << b->log();
  EXPECT_EQ(sql_text("SELECT count(*) FROM server_certificates"), "1");

  // sts serves it, to a client asking for its name and to one without SNI.
  auto sts = RunningService::start(sts_binary(), {"--db", conninfo(), "--master-key-file",
                                                  master_key_file_, "--hostname",
                                                  "sts.example.test"});
  ASSERT_TRUE(sts) << sts.error();
  std::optional<std::uint16_t> port;
  for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
    port = listener_port(sts->log(), "main");
  }
  ASSERT_TRUE(port) << sts->log();
  for (std::vector<std::string> sni : {std::vector<std::string>{"-servername", "sts.example.test"},
                                       std::vector<std::string>{"-noservername"}}) {
    std::vector<std::string> args{"openssl", "s_client", "-connect",
                                  "127.0.0.1:" + std::to_string(*port)};
    args.insert(args.end(), sni.begin(), sni.end());
    ProcessOptions o;
    o.timeout = 30s;
    auto served = run_process(args, o);
    ASSERT_TRUE(served) << served.error();
    const auto begin = served->out.find("-----BEGIN CERTIFICATE-----");
    const auto end = served->out.find("-----END CERTIFICATE-----");
    ASSERT_TRUE(begin != std::string::npos && end != std::string::npos) << served->out;
    auto got = crypto::parse_certificate_pem(
        served->out.substr(begin, end + std::string_view("-----END CERTIFICATE-----").size() -
                                      begin));
    ASSERT_TRUE(got) << got.error();
    auto got_info = crypto::describe(got->get());
    ASSERT_TRUE(got_info) << got_info.error();
    EXPECT_EQ(got_info->sha256_fingerprint, info->sha256_fingerprint) << sni.front();
  }
}

class ServerCertRenewal : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    auto key = crypto::MasterKey::generate();
    ASSERT_TRUE(key);
    master_key_.emplace(std::move(*key));
    pool_ = std::make_unique<db::ConnectionPool>(conninfo(), db::PoolOptions{});
    options_.ca.key_type = crypto::KeyType::kEcdsaP256;
    certmgr::tls::SelfSignedRequest r;
    r.subject.common_name = "sts.example.test";
    r.dns_names = {"sts.example.test"};
    options_.default_server_cert = r;
  }
  Result<certmgr::PassReport> pass(TimePoint at) {
    certmgr::Scheduler s(*pool_, *master_key_, log_, registry_, options_);
    return s.run_pass(at, false);
  }
  std::optional<db::ServerCertRow> active() {
    auto r = db::transact(*pool_, "read", [](pqxx::dbtransaction& tx) {
      return db::ServerCertStore(tx).active("");
    });
    EXPECT_TRUE(r) << r.error();
    return r ? *r : std::nullopt;
  }
  static bool has(const certmgr::PassReport& r, std::string_view action) {
    for (const auto& e : r.events) {
      if (e.action == action) return true;
    }
    return false;
  }

  std::optional<crypto::MasterKey> master_key_;
  std::unique_ptr<db::ConnectionPool> pool_;
  log::Logger log_{log::Format::kText, log::Level::kError};
  metrics::Registry registry_;
  certmgr::SchedulerOptions options_;
};

TEST_F(ServerCertRenewal, SelfSignedDefaultIsRenewedAheadOfExpiryAndAnImportedOneIsLeftAlone) {
  const TimePoint t0 = std::chrono::floor<std::chrono::seconds>(SystemClock().now());
  auto first = pass(t0);
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(has(*first, "server-cert.created"));
  auto made = active();
  ASSERT_TRUE(made && made->not_after);

  // Well before the renewal lead (100 days before the one-year expiry): nothing.
  auto quiet = pass(t0 + 200 * 24h);
  ASSERT_TRUE(quiet) << quiet.error();
  EXPECT_FALSE(has(*quiet, "server-cert.created") || has(*quiet, "server-cert.renewed"));
  EXPECT_EQ(active()->id, made->id);

  // Within the lead: a new self-signed certificate, the old one 'previous'.
  auto renewed = pass(*made->not_after - 99 * 24h);
  ASSERT_TRUE(renewed) << renewed.error();
  EXPECT_TRUE(has(*renewed, "server-cert.renewed"));
  auto now_active = active();
  ASSERT_TRUE(now_active);
  EXPECT_NE(now_active->id, made->id);
  EXPECT_GT(*now_active->not_after, *made->not_after);

  // An operator's (not self-signed) certificate is never replaced, even when it nears expiry.
  auto operator_cert = certmgr::tls::make_self_signed(*options_.default_server_cert, *master_key_,
                                                      t0);
  ASSERT_TRUE(operator_cert) << operator_cert.error();
  operator_cert->row.self_signed = false;
  auto stored = db::transact(*pool_, "import", [&](pqxx::dbtransaction& tx) {
    return db::ServerCertStore(tx).insert_active(operator_cert->row, t0);
  });
  ASSERT_TRUE(stored) << stored.error();
  auto late = pass(*operator_cert->row.not_after - 24h);
  ASSERT_TRUE(late) << late.error();
  EXPECT_FALSE(has(*late, "server-cert.renewed"));
  EXPECT_EQ(active()->id, stored->id);
}

}  // namespace
}  // namespace sigil::testing
