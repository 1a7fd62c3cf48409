// Two sigil-certmgr processes on one database: one leads, the other stands by and takes over
// when the leader is killed with SIGKILL; the key sets stay whole. And `run-once` from the
// command line, with time travel and a dry run.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "sigil/testing/process.hpp"

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "service_process.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/http/client.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class CertmgrLeadership : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    auto dir = TempDir::create("sigil-leader-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    master_key_ = (dir_->path() / "master.key").string();
    ASSERT_TRUE(crypto::create_master_key_file(master_key_));
  }
  ProcessOptions env() const {
    ProcessOptions o;
    o.env = {"SIGIL_DB=" + conninfo(), "SIGIL_MASTER_KEY_FILE=" + master_key_,
             "SIGIL_HOME=" + (dir_->path() / "ctl").string()};
    o.timeout = 60s;
    return o;
  }
  Result<RunningService> certmgr() {
    return RunningService::start(certmgr_binary(),
                                 {"--db", conninfo(), "--master-key-file", master_key_,
                                  "--ca-key-type", "ecdsa-p256"});
  }
  static bool wait_for(RunningService& s, std::string_view text, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (s.log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::string sql_text(const std::string& sql) {
    pqxx::connection c(conninfo());
    auto r = pqxx::nontransaction(c).exec(sql);
    return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].as<std::string>();
  }

  std::optional<TempDir> dir_;
  std::string master_key_;
};

TEST_F(CertmgrLeadership, StandbyTakesOverWhenTheLeaderIsKilled) {
  for (const char* t : {"vsphere.local", "second.local", "third.local"}) {
    auto r = run_process({sigilctl_binary(), "tenant", "create", t}, env());
    ASSERT_TRUE(r && r->exit_code == 0) << (r ? r->err : r.error().message);
  }
  auto a = certmgr();
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(wait_for(*a, "event=leader.acquired", 10s)) << a->log();
  auto b = certmgr();
  ASSERT_TRUE(b) << b.error();
  ASSERT_TRUE(wait_for(*b, "event=leader.standby", 10s)) << b->log();
  EXPECT_EQ(b->log().find("event=leader.acquired"), std::string::npos);
  ASSERT_TRUE(wait_for(*a, "event=scheduler.pass ", 20s)) << a->log();

  ASSERT_TRUE(a->process().kill(SIGKILL));
  (void)a->process().wait(5s);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_for(*b, "event=leader.acquired", 15s)) << b->log();
  std::printf("[ leadership ] standby took over %.2f s after SIGKILL\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count());
  ASSERT_TRUE(wait_for(*b, "event=scheduler.pass ", 20s)) << b->log();

  // Exactly one CA, exactly one active key per tenant, nothing pending half-way.
  EXPECT_EQ(sql_text("SELECT count(*) FROM ca_certificates"), "1");
  EXPECT_EQ(sql_text("SELECT count(*) FROM tenants t WHERE (SELECT count(*) FROM signing_keys k "
                     "WHERE k.tenant_id = t.id AND k.state = 'active') <> 1"),
            "0");
  auto metrics = http::get(b->base_url() + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("sigil_certmgr_leader 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("sigil_signing_cert_not_after_timestamp_seconds{tenant=\"second.local\""),
            std::string::npos)
      << metrics->body;
  auto check = promtool_check_metrics(metrics->body);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
  EXPECT_EQ(b->terminate().value_or(-1), 0) << b->log();
}

// POSTs JSON to a running sts's REST API with curl; the body of the answer.
std::string rest_post(const RunningService& sts, const std::string& home, const std::string& path,
                      const std::string& body) {
  auto port = listener_port(sts.log(), "main");
  if (!port) return {};
  ProcessOptions o;
  o.timeout = 30s;
  auto r = run_process({"curl", "-sS", "--max-time", "20", "--cacert", home + "/tls/server.crt",
                        "-H", "Content-Type: application/json", "--data-binary", body,
                        "https://127.0.0.1:" + std::to_string(*port) + path},
                       o);
  return r ? r->out : std::string();
}

std::string json_field(const std::string& json, const std::string& name) {
  auto at = json.find("\"" + name + "\":\"");
  if (at == std::string::npos) return {};
  at += name.size() + 4;
  return json.substr(at, json.find('"', at) - at);
}

TEST_F(CertmgrLeadership, RunOnceTravelsInTimeAndDryRunChangesNothing) {
  auto created = run_process({sigilctl_binary(), "tenant", "create", "vsphere.local"}, env());
  ASSERT_TRUE(created && created->exit_code == 0);
  ProcessOptions with_password = env();
  with_password.stdin_data = "Right-pass1\n";
  auto user = run_process({sigilctl_binary(), "user", "add", "alice", "--password-stdin"},
                          with_password);
  ASSERT_TRUE(user && user->exit_code == 0);
  // A running sts, to show that what the scheduler renews reaches it without a restart.
  auto sts = RunningService::start(sts_binary(), {"--db", conninfo(), "--master-key-file", master_key_});
  ASSERT_TRUE(sts) << sts.error();
  std::string log = sts->log();
  for (int i = 0; i < 100 && log.find("event=tls.self_signed_created path=") == std::string::npos;
       ++i, std::this_thread::sleep_for(50ms)) {
    log = sts->log();
  }
  auto at_path = log.find("event=tls.self_signed_created path=");
  ASSERT_NE(at_path, std::string::npos) << log;
  std::string cert_path = log.substr(at_path + 35, log.find(' ', at_path + 35) - at_path - 35);
  const std::string sts_home = cert_path.substr(0, cert_path.rfind("/tls/"));
  const std::string grant = R"({"grant":"password","username":"alice","password":"Right-pass1"})";
  std::string before;
  for (int i = 0; i < 100 && before.empty(); ++i, std::this_thread::sleep_for(100ms)) {
    before = rest_post(*sts, sts_home, "/api/v1/tenants/vsphere.local/tokens", grant);
    if (json_field(before, "key_id").empty()) before.clear();
  }
  ASSERT_FALSE(before.empty()) << sts->log();
  const std::string old_key = json_field(before, "key_id");
  const std::string old_token = json_field(before, "token");

  const std::string keys_before = sql_text("SELECT string_agg(key_id || state, ',') FROM signing_keys");
  // Nine years and ten months from now the tenant's ten-year key is inside the renewal window.
  const auto future = std::chrono::system_clock::now() + 24h * (365 * 10 - 60);
  const std::string at = format_rfc3339(future);
  auto dry = run_process({certmgr_binary(), "run-once", "--at", at, "--dry-run", "--json",
                          "--ca-key-type", "ecdsa-p256"},
                         env());
  ASSERT_TRUE(dry) << dry.error();
  EXPECT_EQ(dry->exit_code, 0) << dry->err;
  EXPECT_NE(dry->out.find("\"dry_run\":true"), std::string::npos) << dry->out;
  EXPECT_NE(dry->out.find("\"action\":\"renewal.pending\""), std::string::npos) << dry->out;
  EXPECT_EQ(sql_text("SELECT string_agg(key_id || state, ',') FROM signing_keys"), keys_before);
  EXPECT_EQ(sql_text("SELECT count(*) FROM ca_certificates"), "1");  // made by tenant create

  // A real pass ten years ahead is a testing tool: refused without --allow-time-travel.
  auto refused = run_process({certmgr_binary(), "run-once", "--at", at}, env());
  ASSERT_TRUE(refused) << refused.error();
  EXPECT_EQ(refused->exit_code, 1) << refused->out;
  EXPECT_NE(refused->err.find("--allow-time-travel"), std::string::npos) << refused->err;
  EXPECT_EQ(sql_text("SELECT string_agg(key_id || state, ',') FROM signing_keys"), keys_before);

  auto real = run_process({certmgr_binary(), "run-once", "--at", at, "--ca-key-type", "ecdsa-p256",
                           "--allow-time-travel"},
                          env());
  ASSERT_TRUE(real) << real.error();
  EXPECT_EQ(real->exit_code, 0) << real->err;
  EXPECT_NE(real->out.find("renewal.pending"), std::string::npos) << real->out;
  EXPECT_EQ(sql_text("SELECT count(*) FROM signing_keys WHERE state = 'pending'"), "1");
  // A day later the pending key becomes active.
  auto later = run_process(
      {certmgr_binary(), "run-once", "--at", format_rfc3339(future + 25h), "--allow-time-travel"},
      env());
  ASSERT_TRUE(later) << later.error();
  EXPECT_NE(later->out.find("renewal.activated"), std::string::npos) << later->out;
  EXPECT_EQ(sql_text("SELECT count(*) FROM signing_keys WHERE state = 'active'"), "1");
  // The running sts signs with the renewed key (no restart), and its earlier token still
  // validates with the old key, now verify-only.
  std::string new_key;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    new_key = json_field(rest_post(*sts, sts_home, "/api/v1/tenants/vsphere.local/tokens", grant),
                         "key_id");
    if (!new_key.empty() && new_key != old_key) break;
  }
  EXPECT_NE(new_key, old_key) << sts->log();
  EXPECT_NE(rest_post(*sts, sts_home, "/api/v1/tenants/vsphere.local/tokens/validate",
                      "{\"token\":\"" + old_token + "\"}")
                .find("\"valid\":true"),
            std::string::npos);
  auto bad = run_process({certmgr_binary(), "run-once", "--at", "tomorrow"}, env());
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->exit_code, 2);
  EXPECT_EQ(bad->err, "sigil-certmgr: --at: not an RFC 3339 time: tomorrow\n");
}

}  // namespace
}  // namespace sigil::testing
