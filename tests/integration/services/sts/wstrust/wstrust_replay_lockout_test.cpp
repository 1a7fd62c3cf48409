// Replay of signed WS-Security requests and locking users out (issue 13 items 3 and 5), over
// HTTPS against a running sigil-sts with its default settings (Timestamp window and age 300 s,
// tenant clock tolerance 600 s, 10 password attempts per address at once) except that an
// address regains one attempt a minute (default 10), so that the attacker's budget is exact.
//
// Two client addresses on one machine: curl binds 127.0.0.2 (--interface) for the attacker;
// the rightful user connects from 127.0.0.1. sts listens on 127.0.0.1 only.

#include <chrono>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "sts_attack_fixture.hpp"

#include "sigil/db/connection.hpp"
#include "sigil/testing/process.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kAttacker = {"--interface", "127.0.0.2"};

class ReplayAndLockout : public StsAttackTest {
 protected:
  // One attempt a minute: the attacker's budget cannot grow while the test runs.
  static void SetUpTestSuite() {
    login_attempts_per_minute_ = 1;
    StsAttackTest::SetUpTestSuite();
    login_attempts_per_minute_ = 0;
  }

  static RstSpec hok_rst() {
    RstSpec rst;
    rst.key_type = "PublicKey";
    rst.renewable = true;
    return rst;
  }
  static Credential svc_signed() {
    Credential cred;
    cred.bst = &svc();
    return cred;
  }
  static Answer password_login(const std::string& user, const std::string& password,
                               const std::vector<std::string>& from = {}) {
    Credential cred;
    cred.username = user;
    cred.password = password;
    return send(RstSpec{}, cred, from);
  }
  static double refused(const std::string& reason) {
    return metric("sigil_wss_requests_refused_total", "reason=\"" + reason + "\"");
  }
  static int count_of(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  // POST /api/v1/tenants/vsphere.local/tokens with a password grant; status and headers+body.
  static Answer rest_login(const std::string& user, const std::string& password,
                           const std::vector<std::string>& from) {
    std::vector<std::string> argv{
        "curl",
        "-sS",
        "-i",
        "--max-time",
        "20",
        "--cacert",
        *home_ + "/tls/server.crt",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        R"({"grant":"password","username":")" + user + R"(","password":")" + password + R"("})",
        "-w",
        "\n%{http_code}"};
    argv.insert(argv.end(), from.begin(), from.end());
    argv.push_back("https://127.0.0.1:" + std::to_string(port_) +
                   "/api/v1/tenants/vsphere.local/tokens");
    ProcessOptions o;
    o.timeout = 30s;
    auto r = run_process(argv, o);
    EXPECT_TRUE(r) << r.error();
    Answer a;
    if (!r) return a;
    auto nl = r->out.rfind('\n');
    a.status = nl == std::string::npos ? 0 : std::atoi(r->out.substr(nl + 1).c_str());
    a.body = r->out.substr(0, nl == std::string::npos ? 0 : nl);
    return a;
  }
};

TEST_F(ReplayAndLockout, ReplayedSignedIssueIsRefusedWhileAFreshOneWorks) {
  const std::string signed_request = request(hok_rst(), svc_signed());
  Answer first = post(signed_request);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_FALSE(token_of(first.body).empty());

  const double issued = tokens_issued();
  const double replays = refused("replayed");
  Answer again = post(signed_request);
  expect_fault(again, "InvalidSecurity");
  EXPECT_NE(again.body.find("already accepted"), std::string::npos) << again.body;
  EXPECT_EQ(tokens_issued(), issued) << "the replay got no token";
  EXPECT_EQ(refused("replayed"), replays + 1);

  // The same client signing a new request (new Timestamp) is served.
  Answer fresh = send(hok_rst(), svc_signed());
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(tokens_issued(), issued + 1);
}

TEST_F(ReplayAndLockout, ReplayedRenewAndTokenByTokenAreRefused) {
  const std::string token = hok_token("");
  ASSERT_FALSE(token.empty());

  RstSpec renew;
  renew.request_type = "Renew";
  renew.key_type.clear();
  renew.renew_target = token;
  const std::string renew_request = request(renew, svc_signed());
  Answer renewed = post(renew_request, "Renew");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  expect_fault(post(renew_request, "Renew"), "InvalidSecurity");

  Credential by_token;
  by_token.token = token;
  by_token.token_key = svc().key.get();
  const std::string exchange = request(hok_rst(), by_token);
  Answer exchanged = post(exchange);
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  const double issued = tokens_issued();
  expect_fault(post(exchange), "InvalidSecurity");
  EXPECT_EQ(tokens_issued(), issued);
}

TEST_F(ReplayAndLockout, TimestampWindowIsTheServersNotTheClients) {
  const double issued = tokens_issued();
  const double window = refused("window_too_long");
  const auto now = std::chrono::system_clock::now();

  // Signed, Expires in 2099: the window is far longer than 300 s.
  Credential far = svc_signed();
  far.expires = std::chrono::sys_days(std::chrono::year(2099) / 1 / 1);
  Answer a = send(hok_rst(), far);
  expect_fault(a, "MessageExpired");
  EXPECT_EQ(refused("window_too_long"), window + 1);

  // Signed, Created an hour ago, Expires in the future (window 61 min).
  Credential old = svc_signed();
  old.created = now - 1h;
  old.expires = now + 60s;
  expect_fault(send(hok_rst(), old), "MessageExpired");

  // Created an hour ago with an honest 60 s window: long expired.
  old.expires = now - 1h + 60s;
  expect_fault(send(hok_rst(), old), "MessageExpired");

  // The same goes for password requests, which are not signed.
  Credential password;
  password.username = "alice";
  password.password = "Right-pass1";
  password.expires = std::chrono::sys_days(std::chrono::year(2099) / 1 / 1);
  expect_fault(send(RstSpec{}, password), "MessageExpired");
  EXPECT_EQ(tokens_issued(), issued);

  // A Timestamp of 300 s, the most the server allows, is accepted.
  Credential longest = svc_signed();
  longest.created = now;
  longest.expires = now + 300s;
  Answer ok = send(hok_rst(), longest);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(ReplayAndLockout, AttackersWrongPasswordsDoNotLockTheRightfulUsersAddress) {
  // The attacker (127.0.0.2) guesses alice's password until locked for its address.
  for (int i = 0; i < 5; ++i) {
    expect_fault(password_login("alice", "guess" + std::to_string(i), kAttacker),
                 "FailedAuthentication");
  }
  Answer right_from_attacker = password_login("alice", "Right-pass1", kAttacker);
  expect_fault(right_from_attacker, "FailedAuthentication");
  EXPECT_NE(sts_->log().find("reason=locked"), std::string::npos) << "locked for 127.0.0.2";

  // Alice, from her own address, is not locked out.
  Answer alice = password_login("alice", "Right-pass1");
  ASSERT_EQ(alice.status, 200) << alice.body;
  EXPECT_FALSE(token_of(alice.body).empty());
  const Answer alice_rest = rest_login("alice", "Right-pass1", {});
  EXPECT_EQ(alice_rest.status, 200) << alice_rest.body;

  // The attacker's address has used 6 of its 10 attempts; the 11th attempt is throttled at
  // once: no password check (no auth.failed line), a RequestFailed fault / HTTP 429.
  for (int i = 0; i < 4; ++i) {
    expect_fault(password_login("admin", "guess" + std::to_string(i), kAttacker),
                 "FailedAuthentication");
  }
  const double throttled = metric("sigil_login_throttled_total");
  const int checks = count_of(sts_->log(), "event=auth.failed");
  Answer limited = password_login("admin", "guess-more", kAttacker);
  expect_fault(limited, "RequestFailed");
  EXPECT_NE(limited.body.find("too many login attempts"), std::string::npos) << limited.body;
  const Answer limited_rest = rest_login("admin", "guess-more", kAttacker);
  EXPECT_EQ(limited_rest.status, 429) << limited_rest.body;
  EXPECT_NE(limited_rest.body.find("Retry-After: 60"), std::string::npos) << limited_rest.body;
  EXPECT_NE(limited_rest.body.find("\"rate_limited\""), std::string::npos) << limited_rest.body;
  EXPECT_EQ(metric("sigil_login_throttled_total"), throttled + 2);
  EXPECT_EQ(count_of(sts_->log(), "event=auth.failed"), checks) << "no password was checked";

  // Throttling the attacker's address leaves everybody else alone.
  EXPECT_EQ(password_login("admin", "Right-pass1").status, 200);
  expect_still_issuing();
}

TEST_F(ReplayAndLockout, SigilctlUserUnlockUnlocksAndIsAudited) {
  // Lock admin.eve for the only address she uses.
  for (int i = 0; i < 5; ++i) {
    expect_fault(password_login("admin.eve", "guess" + std::to_string(i)), "FailedAuthentication");
  }
  expect_fault(password_login("admin.eve", "Right-pass1"), "FailedAuthentication");

  ProcessResult unlocked = run({sigilctl_binary(), "user", "unlock", "admin.eve"});
  ASSERT_EQ(unlocked.exit_code, 0) << unlocked.err;
  EXPECT_NE(unlocked.out.find("unlocked user admin.eve"), std::string::npos) << unlocked.out;
  Answer back = password_login("admin.eve", "Right-pass1");
  EXPECT_EQ(back.status, 200) << back.body;

  auto conn = db::connect(*db_);
  ASSERT_TRUE(conn) << conn.error();
  pqxx::work tx(**conn);
  auto row = tx.exec1(
      "SELECT actor, tenant, new_value->>'sources_cleared' FROM audit_log "
      "WHERE action = 'user.unlock' AND target = 'admin.eve'");
  EXPECT_EQ(row[0].as<std::string>().rfind("sigilctl:", 0), 0u) << row[0].as<std::string>();
  EXPECT_EQ(row[1].as<std::string>(), "vsphere.local");
  EXPECT_EQ(row[2].as<std::string>(), "1");

  ProcessResult nobody = run({sigilctl_binary(), "user", "unlock", "nobody"});
  EXPECT_NE(nobody.exit_code, 0);
  EXPECT_NE(nobody.err.find("no such user"), std::string::npos) << nobody.err;
}

}  // namespace
}  // namespace sigil::testing
