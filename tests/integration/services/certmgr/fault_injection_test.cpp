// Fault injection against one running deployment (its own PostgreSQL, certmgr and sts): the
// database host crashes (SIGKILL of every PostgreSQL process) in the middle of a rotation and
// of a certificate import, certmgr is killed in the middle of a renewal, and the database turns
// read-only or runs out of disk. Each time nothing committed is lost, nothing half-done
// remains, the tenant keeps exactly one active key, a token issued before keeps validating, and
// the same operation succeeds once the fault is gone (docs/keyset.md, "Failures").
//
// To stop a change at a known point inside its transaction, the test holds an EXCLUSIVE lock on
// audit_log: every key-set change writes its audit row after its key rows, so the change waits
// there with its new key inserted and the old one deactivated, uncommitted. The test checks
// that the waiting transaction already holds its write lock on signing_keys, then strikes.

#include <sys/mount.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "peer_deployment.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

// Holds LOCK TABLE audit_log IN EXCLUSIVE MODE until destroyed (or the database dies).
class AuditLock {
 public:
  explicit AuditLock(const std::string& db) : conn_(db), tx_(conn_) {
    tx_.exec0("LOCK TABLE audit_log IN EXCLUSIVE MODE");
  }
  ~AuditLock() {
    try {
      tx_.abort();
    } catch (const std::exception&) {
      // The database was killed under us: the lock went with it.
    }
  }

 private:
  pqxx::connection conn_;
  pqxx::work tx_;
};

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = PeerDeployment::start("fault");
    ASSERT_TRUE(d) << d.error();
    d_ = std::move(*d);
    before_token_ = d_->issue_token();
    ASSERT_FALSE(before_token_.empty()) << d_->sts().log();
    before_ = d_->keys();
    ASSERT_EQ(active_keys(), 1);
  }

  int active_keys() {
    int n = 0;
    for (const auto& k : d_->keys()) n += k.state == "active" ? 1 : 0;
    return n;
  }

  // A key-set change is waiting for the audit lock with its signing_keys rows written.
  bool change_waits_mid_transaction() {
    return d_->scalar(
               "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
               "WHERE a.wait_event_type = 'Lock' AND a.query ILIKE '%audit_log%' "
               "AND l.granted AND l.relation = 'signing_keys'::regclass "
               "AND l.mode = 'RowExclusiveLock'") > 0;
  }

  // The key set is exactly as before the fault, with one active key, and both a token issued
  // before and a new one validate on sts.
  void expect_nothing_changed() {
    EXPECT_EQ(d_->keys(), before_);
    EXPECT_EQ(active_keys(), 1);
    EXPECT_TRUE(eventually([&] { return d_->validates(before_token_); }))
        << "a token issued before the fault stopped validating";
    std::string fresh;
    EXPECT_TRUE(eventually([&] { return !(fresh = d_->issue_token()).empty(); }))
        << d_->sts().log();
    EXPECT_TRUE(d_->validates(fresh));
  }

  // `sigilctl signing-cert refresh` succeeds (retrying while certmgr reconnects), the new key is
  // the one active key, sts signs with it, and the old token still validates.
  void expect_refresh_works() {
    ProcessResult r;
    EXPECT_TRUE(eventually(
        [&] {
          r = d_->ctl({"signing-cert", "refresh", "--tenant", "vsphere.local"});
          return r.exit_code == 0;
        },
        30s))
        << r.out << r.err;
    EXPECT_EQ(d_->keys().size(), before_.size() + 1);
    EXPECT_EQ(active_keys(), 1);
    const std::string active = d_->active_key();
    EXPECT_NE(active, before_active());
    EXPECT_TRUE(eventually([&] { return d_->sts_active_key() == active; })) << d_->sts().log();
    EXPECT_TRUE(d_->validates(before_token_));
  }

  std::string before_active() const {
    for (const auto& k : before_) {
      if (k.state == "active") return k.key_id;
    }
    return {};
  }

  // Runs `change` with the audit lock held, waits until it is mid-transaction, then `strike`s;
  // the change's sigilctl result.
  ProcessResult interrupt(const std::function<ProcessResult()>& change,
                          const std::function<void()>& strike) {
    AuditLock lock(d_->db());
    auto running = std::async(std::launch::async, change);
    EXPECT_TRUE(eventually([&] { return change_waits_mid_transaction(); }, 30s))
        << "the change never reached its audit row";
    strike();
    return running.get();
  }

  // An RSA-2048 third-party signing certificate and key in the deployment's directory.
  void write_partner_certificate() {
    auto key = crypto::generate_key(crypto::KeyType::kRsa2048).value();
    crypto::CertRequest req;
    const TimePoint now = std::chrono::system_clock::now();
    req.subject.common_name = "partner signing";
    req.subject_key = key.get();
    req.issuer_key = key.get();
    req.not_before = now - 1h;
    req.not_after = now + 24h * 800;
    req.key_usage.digital_signature = true;
    auto cert = crypto::issue_certificate(req).value();
    std::ofstream(d_->path("partner.crt")) << crypto::write_certificate_pem(cert.get()).value();
    std::ofstream(d_->path("partner.key"))
        << crypto::write_private_key_pem(key.get()).value().view();
  }

  void exec(const std::string& sql) {
    pqxx::connection c(d_->db());
    pqxx::nontransaction(c).exec(sql);
  }

  void restart_after_crash() {
    auto started = d_->cluster().start_after_crash();
    std::ifstream log(d_->cluster().log_path());
    ASSERT_TRUE(started) << started.error() << "\n" << log.rdbuf();
  }

  std::unique_ptr<PeerDeployment> d_;
  std::string before_token_;
  std::vector<KeyView> before_;
};

TEST_F(FaultInjection, DatabaseCrashDuringRotationLosesNothingAndLeavesOneActiveKey) {
  ProcessResult r = interrupt(
      [&] { return d_->ctl({"signing-cert", "refresh", "--tenant", "vsphere.local"}); },
      [&] { ASSERT_TRUE(d_->cluster().crash()); });
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("database"), std::string::npos) << r.err;
  restart_after_crash();
  expect_nothing_changed();
  expect_refresh_works();
}

TEST_F(FaultInjection, DatabaseCrashDuringImportLosesNothingAndLeavesOneActiveKey) {
  write_partner_certificate();
  const std::vector<std::string> import = {"signing-cert", "import", "--cert",
                                           d_->path("partner.crt"), "--key",
                                           d_->path("partner.key"), "--activate"};
  ProcessResult r = interrupt([&] { return d_->ctl(import); },
                              [&] { ASSERT_TRUE(d_->cluster().crash()); });
  EXPECT_NE(r.exit_code, 0) << r.out;
  restart_after_crash();
  expect_nothing_changed();
  // The same import goes through once the database is back.
  EXPECT_TRUE(eventually([&] { return d_->ctl(import).exit_code == 0; }, 30s));
  EXPECT_EQ(d_->keys().size(), before_.size() + 1);
  EXPECT_EQ(active_keys(), 1);
  EXPECT_NE(d_->active_key(), before_active());
  EXPECT_TRUE(d_->validates(before_token_));
}

TEST_F(FaultInjection, CertmgrKilledMidRenewalLeavesTheKeySetUsableAndTheNextPassRenews) {
  ASSERT_TRUE(d_->stop_certmgr());
  // The active key is 30 days from expiry: well inside the renewal lead (docs/certificates.md).
  exec("UPDATE signing_keys SET not_after = now() + interval '30 days' WHERE state = 'active'");
  before_ = d_->keys();
  const std::vector<std::string> pass = {certmgr_binary(), "run-once", "--db", d_->db(),
                                         "--master-key-file", d_->path("master.key")};
  {
    AuditLock lock(d_->db());
    SpawnOptions so;
    so.stderr_path = d_->path("run-once.log");
    auto child = spawn_process(pass, so);
    ASSERT_TRUE(child) << child.error();
    ASSERT_TRUE(eventually([&] { return change_waits_mid_transaction(); }, 30s))
        << "the renewal never reached its audit row";
    ASSERT_TRUE(child->kill(SIGKILL));
    auto code = child->wait(10s);
    ASSERT_TRUE(code) << code.error();
    EXPECT_EQ(*code, 128 + SIGKILL);
  }
  // PostgreSQL rolled the killed pass back when its connection went.
  EXPECT_TRUE(eventually([&] { return d_->keys() == before_; }, 10s));
  expect_nothing_changed();
  // The next pass renews: a new pending key, published, while the old one keeps signing.
  ProcessOptions po;
  po.timeout = 60s;
  auto again = run_process(pass, po);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->exit_code, 0) << again->out << again->err;
  const auto after = d_->keys();
  ASSERT_EQ(after.size(), before_.size() + 1);
  EXPECT_EQ(active_keys(), 1);
  EXPECT_EQ(d_->active_key(), before_active());
  int pending = 0;
  for (const auto& k : after) pending += k.state == "pending" ? 1 : 0;
  EXPECT_EQ(pending, 1);
  EXPECT_GE(d_->scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'signing-key.%' "
                       "AND new_value->>'state' = 'pending'"),
            1);
}

TEST_F(FaultInjection, ReadOnlyDatabaseRefusesChangesClearlyAndTokensKeepValidating) {
  exec("ALTER SYSTEM SET default_transaction_read_only = on");
  exec("SELECT pg_reload_conf()");
  ProcessResult r;
  EXPECT_TRUE(eventually(
      [&] {
        r = d_->ctl({"signing-cert", "refresh", "--tenant", "vsphere.local"});
        return r.exit_code != 0 && r.err.find("read-only") != std::string::npos;
      },
      10s))
      << r.out << r.err;
  EXPECT_EQ(d_->keys(), before_);
  EXPECT_EQ(active_keys(), 1);
  EXPECT_TRUE(d_->validates(before_token_));

  exec("ALTER SYSTEM RESET default_transaction_read_only");
  exec("SELECT pg_reload_conf()");
  expect_refresh_works();
}

TEST_F(FaultInjection, FullDiskRefusesChangesClearlyAndLosesNothing) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs for the full disk";
  // audit_log moves to a 1 MiB tmpfs tablespace, which the test then fills: the next key-set
  // change writes its keys, then fails on its audit row with "could not extend file".
  // Under the cluster's directory: PostgreSQL (user postgres) must reach it, and the
  // deployment's own directory is root's alone.
  const std::string mnt = d_->cluster().socket_dir() + "/tiny";
  std::filesystem::create_directories(mnt);
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m,mode=0700"), 0)
      << std::strerror(errno);
  struct Unmount {
    std::string at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{mnt};
  ASSERT_EQ(run_process({"chown", "postgres:postgres", mnt})->exit_code, 0);
  exec("CREATE TABLESPACE tiny LOCATION '" + mnt + "'");
  exec("ALTER TABLE audit_log SET (autovacuum_enabled = false)");
  exec("ALTER TABLE audit_log SET TABLESPACE tiny");
  {
    pqxx::connection c(d_->db());
    bool full = false;
    for (int i = 0; i < 100'000 && !full; ++i) {
      try {
        pqxx::nontransaction(c).exec0(
            "INSERT INTO audit_log (actor, action, detail) VALUES ('test', 'test.fill', "
            "repeat('x', 64))");
      } catch (const pqxx::sql_error& e) {
        ASSERT_EQ(e.sqlstate(), "53100") << e.what();
        full = true;
      }
    }
    ASSERT_TRUE(full);
  }
  auto r = d_->ctl({"signing-cert", "refresh", "--tenant", "vsphere.local"});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("out of disk space"), std::string::npos) << r.err;
  expect_nothing_changed();

  exec("ALTER TABLE audit_log SET TABLESPACE pg_default");
  exec("ALTER TABLE audit_log RESET (autovacuum_enabled)");
  exec("DROP TABLESPACE tiny");
  expect_refresh_works();
}

}  // namespace
}  // namespace sigil::testing
