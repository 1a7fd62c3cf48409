// One signer cannot fill the replay cache for everybody (docs/wstrust.md, "Timestamps and
// replay"), over HTTPS against a running sigil-sts started with the smallest replay cache it
// accepts, --wss-replay-cache-entries 1000, so that a signer's quota (1000 / 16 = 62 entries)
// is reachable in a test. Every signed request below is fresh (signed anew, its own
// Timestamp), so none is a replay: only the quota can refuse it.

#include <chrono>
#include <string>

#include "sts_attack_fixture.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kQuota = 1000 / 16;

class ReplayQuota : public StsAttackTest {
 protected:
  static void SetUpTestSuite() {
    replay_cache_entries_ = 1000;
    StsAttackTest::SetUpTestSuite();
    replay_cache_entries_ = 0;
    if (::testing::Test::HasFatalFailure()) return;
    other_ = new wt::TestSigner(wt::make_signer("svc2-quota"));
    write_file("svc2.pem", *crypto::write_certificate_pem(other_->cert.get()));
    auto added =
        run({sigilctl_binary(), "solution-user", "add", "svc2", "--cert", path("svc2.pem")});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  static void TearDownTestSuite() {
    delete other_;
    other_ = nullptr;
    StsAttackTest::TearDownTestSuite();
  }

  static RstSpec hok_rst() {
    RstSpec rst;
    rst.key_type = "PublicKey";
    return rst;
  }
  // The attack's Timestamp: Created as far ahead as the clock tolerance (600 s) allows, so that
  // each entry is kept as long as possible (2T + max-age).
  static Credential signed_by(const wt::TestSigner& signer) {
    Credential cred;
    cred.bst = &signer;
    const auto now = std::chrono::system_clock::now();
    cred.created = now + 590s;
    cred.expires = now + 590s + 300s;
    return cred;
  }
  static double refused(const std::string& reason) {
    return metric("sigil_wss_requests_refused_total", "reason=\"" + reason + "\"");
  }

  static wt::TestSigner* other_;
};

wt::TestSigner* ReplayQuota::other_ = nullptr;

TEST_F(ReplayQuota, OneSolutionUserAtItsQuotaIsRefusedWhileOthersAreServed) {
  // svc (the attacker) fills its share with freshly signed requests.
  for (int i = 0; i < kQuota; ++i) {
    Answer a = send(hok_rst(), signed_by(svc()));
    ASSERT_EQ(a.status, 200) << "request " << i << ": " << a.body;
  }
  const double issued = tokens_issued();
  const double quota_refusals = refused("replay_signer_quota");
  Answer over = send(hok_rst(), signed_by(svc()));
  expect_fault(over, "RequestFailed");
  EXPECT_NE(over.body.find("too many signed requests at once"), std::string::npos) << over.body;
  EXPECT_EQ(tokens_issued(), issued) << "the refused request got no token";
  EXPECT_EQ(refused("replay_signer_quota"), quota_refusals + 1);
  EXPECT_EQ(refused("replay_cache_full"), 0) << "the cache itself is far from full";
  const std::string log = sts_->log();
  EXPECT_NE(log.find("event=wstrust.replay_cache_full"), std::string::npos) << log;
  EXPECT_NE(log.find("signer=svc@VSPHERE.LOCAL"), std::string::npos) << log;
  EXPECT_NE(log.find("reason=replay_signer_quota"), std::string::npos) << log;

  // Another solution user is served, with the attack's own Timestamp shape ...
  Answer other = send(hok_rst(), signed_by(*other_));
  EXPECT_EQ(other.status, 200) << other.body;
  EXPECT_FALSE(token_of(other.body).empty());
  // ... and so is a user signing govmomi's way (password + her own certificate).
  const wt::TestSigner alice_key = wt::make_signer("alice-own-key");
  Credential alice;
  alice.username = "alice";
  alice.password = "Right-pass1";
  alice.bst = &alice_key;
  Answer user = send(hok_rst(), alice);
  EXPECT_EQ(user.status, 200) << user.body;
  // Unsigned requests never touch the cache.
  expect_still_issuing();

  // svc is still refused: its entries are in force for 25 minutes.
  expect_fault(send(hok_rst(), signed_by(svc())), "RequestFailed");
  EXPECT_EQ(refused("replay_signer_quota"), quota_refusals + 2);
}

}  // namespace
}  // namespace sigil::testing
