// Tokens derived from tokens (docs/delegation.md; docs/security.md "Delegation and derived
// tokens"), attacked over HTTPS against a running sigil-sts, and certmgr for the admin
// credential part:
//   - laundering: an ActAs token presented for token by token, or renewed, comes back no longer
//     than the delegated token's cap, with its delegates, and with fewer renewals;
//   - ActAs by a solution user outside ActAsUsers is refused (and allowed once sigilctl adds it;
//     its delegated tokens stop renewing once it is removed);
//   - a user and a solution user of the same name: renewing the solution user's token never
//     yields the user's groups;
//   - certmgr records the whole delegation chain as the audit actor.
// The legitimate paths (ActAs by a member, a normal renewal, token by token of a direct token)
// are shown working next to each refusal.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/validator.hpp"
#include "sigil/testing/process.hpp"
#include "sts_attack_fixture.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class DelegationAttacks : public StsAttackTest {
 protected:
  static void SetUpTestSuite() {
    StsAttackTest::SetUpTestSuite();
    if (dir_ == nullptr || home_ == nullptr) return;
    outsider_ = new wt::TestSigner(wt::make_signer("svc-outsider"));
    twin_ = new wt::TestSigner(wt::make_signer("twin"));
    add_solution_user("outsider", *outsider_, {});
    add_solution_user("twin", *twin_, {"Twins"});
    add_user("boss", {"Administrators"});
    add_user("twin", {"Administrators"});
  }
  static void TearDownTestSuite() {
    if (certmgr_ != nullptr) {
      EXPECT_TRUE(certmgr_->process().running()) << certmgr_->log();
    }
    delete certmgr_;
    certmgr_ = nullptr;
    delete outsider_;
    outsider_ = nullptr;
    delete twin_;
    twin_ = nullptr;
    StsAttackTest::TearDownTestSuite();
  }

  static ProcessResult ctl(const std::vector<std::string>& args, const std::string& input = "") {
    ProcessOptions o;
    o.env = {"SIGIL_DB=" + *db_, "SIGIL_HOME=" + *home_};
    o.stdin_data = input;
    o.timeout = 60s;
    std::vector<std::string> argv{sigilctl_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_process(argv, o);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }
  static void add_user(const std::string& name, const std::vector<std::string>& groups) {
    std::vector<std::string> args{"user", "add", name, "--password-stdin"};
    for (const auto& g : groups) args.insert(args.end(), {"--group", g});
    auto r = ctl(args, "Right-pass1\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void add_solution_user(const std::string& name, const wt::TestSigner& signer,
                                const std::vector<std::string>& groups) {
    write_file(name + ".pem", *crypto::write_certificate_pem(signer.cert.get()));
    write_file(name + ".key",
               std::string(crypto::write_private_key_pem(signer.key.get())->view()));
    std::vector<std::string> args{"solution-user", "add", name, "--cert", path(name + ".pem")};
    for (const auto& g : groups) args.insert(args.end(), {"--group", g});
    auto r = ctl(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // The claims of a token the server issued, verified with the tenant's signing certificate.
  static saml::AssertionSpec claims(const std::string& token) {
    auto parsed = saml::parse_token(token);
    EXPECT_TRUE(parsed) << parsed.error() << token;
    if (!parsed) return {};
    std::vector<saml::TrustedSigningKey> keys{{"active", tenant_cert()}};
    saml::ValidationPolicy policy;
    policy.expected_issuer = issuer();
    policy.parse_hok_certificate = false;
    ManualClock clock(std::chrono::system_clock::now());
    auto v = saml::validate_assertion(parsed->doc.get(), parsed->assertion, keys, policy, clock);
    EXPECT_TRUE(v) << v.error() << token;
    return v ? v->claims : saml::AssertionSpec{};
  }
  static std::vector<std::string> groups_of(const saml::AssertionSpec& c) {
    for (const auto& a : c.attributes) {
      if (a.name == saml::uri::kAttrGroups) return a.values;
    }
    return {};
  }
  static bool has(const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  // A delegatable, renewable bearer token of `user` (5 minutes: the tenant's bearer maximum).
  static std::string user_token(const std::string& user) { return bearer_token(user, true); }
  // ActAs: `actor` asks for a holder-of-key token of the user of `token`, 24 h, renewable and
  // delegatable.
  static Answer act_as(const std::string& token, const wt::TestSigner& actor) {
    RstSpec rst;
    rst.key_type = "PublicKey";
    rst.renewable = true;
    rst.delegatable = true;
    rst.act_as = token;
    Credential cred;
    cred.bst = &actor;
    return send(rst, cred);
  }
  // Token by token, signed with `key` (the token's confirmation key), asking for everything.
  static Answer by_token(const std::string& token, EVP_PKEY* key) {
    RstSpec rst;
    rst.key_type = "PublicKey";
    rst.renewable = true;
    rst.delegatable = true;
    Credential cred;
    cred.token = token;
    cred.token_key = key;
    return send(rst, cred);
  }
  static Answer renew(const std::string& token, const wt::TestSigner& holder) {
    RstSpec rst;
    rst.request_type = "Renew";
    rst.key_type.clear();
    rst.renew_target = token;
    Credential cred;
    cred.bst = &holder;
    return send(rst, cred);
  }

  // The delegated token's invariants: same subject, svc as the only delegate and holder, and
  // no later than `cap`.
  static void expect_still_delegated(const saml::AssertionSpec& c, TimePoint cap) {
    EXPECT_EQ(c.subject_upn, "boss@VSPHERE.LOCAL");
    ASSERT_EQ(c.delegates.size(), 1u);
    EXPECT_EQ(c.delegates[0].upn, "svc@VSPHERE.LOCAL");
    EXPECT_EQ(c.confirmation_upn, std::optional<std::string>("svc@VSPHERE.LOCAL"));
    EXPECT_LE(c.not_on_or_after, cap);
    EXPECT_EQ(c.chain_not_on_or_after, std::optional<TimePoint>(cap));
  }

  static const wt::TestSigner& outsider() { return *outsider_; }
  static const wt::TestSigner& twin() { return *twin_; }

  static wt::TestSigner* outsider_;
  static wt::TestSigner* twin_;
  static RunningService* certmgr_;
};
wt::TestSigner* DelegationAttacks::outsider_ = nullptr;
wt::TestSigner* DelegationAttacks::twin_ = nullptr;
RunningService* DelegationAttacks::certmgr_ = nullptr;

TEST_F(DelegationAttacks, ActAsTokenPresentedForTokenByTokenKeepsCapChainAndCounts) {
  const std::string user = user_token("boss");
  const saml::AssertionSpec source = claims(user);
  Answer a = act_as(user, svc());
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string delegated = token_of(a.body);
  const saml::AssertionSpec d = claims(delegated);
  expect_still_delegated(d, source.not_on_or_after);
  EXPECT_EQ(d.proxy_count, source.proxy_count - 1);
  EXPECT_LE(d.renew_count, source.renew_count);

  // The laundering attempt: present the delegated token as token by token, asking for a
  // renewable, delegatable token. The answer is capped, still delegated, no richer.
  Answer laundered = by_token(delegated, svc().key.get());
  ASSERT_EQ(laundered.status, 200) << laundered.body;
  const saml::AssertionSpec l = claims(token_of(laundered.body));
  expect_still_delegated(l, source.not_on_or_after);
  EXPECT_LE(l.not_on_or_after, d.not_on_or_after);
  EXPECT_LE(l.renew_count, d.renew_count);
  EXPECT_LE(l.proxy_count, d.proxy_count);

  // ... and again from the laundered token: nothing grows.
  Answer twice = by_token(token_of(laundered.body), svc().key.get());
  ASSERT_EQ(twice.status, 200) << twice.body;
  const saml::AssertionSpec t = claims(token_of(twice.body));
  expect_still_delegated(t, source.not_on_or_after);
  EXPECT_LE(t.renew_count, l.renew_count);
}

TEST_F(DelegationAttacks, RenewingAnActAsTokenStaysWithinTheCapAndSpendsRenewals) {
  const std::string user = user_token("boss");
  const TimePoint cap = claims(user).not_on_or_after;
  Answer a = act_as(user, svc());
  ASSERT_EQ(a.status, 200) << a.body;
  std::string token = token_of(a.body);
  int renewals = claims(token).renew_count;
  ASSERT_GT(renewals, 1);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    Answer r = renew(token, svc());
    ASSERT_EQ(r.status, 200) << r.body;
    token = token_of(r.body);
    const saml::AssertionSpec c = claims(token);
    expect_still_delegated(c, cap);
    EXPECT_EQ(c.renew_count, renewals - 1);
    renewals = c.renew_count;
  }
}

TEST_F(DelegationAttacks, LegitimateRenewAndTokenByTokenOfADirectTokenStillWork) {
  const std::string hok = hok_token("boss");
  const saml::AssertionSpec source = claims(hok);
  ASSERT_TRUE(source.delegates.empty());
  ASSERT_FALSE(source.chain_not_on_or_after);
  // Renew of a first-hand token extends it (the tenant's holder-of-key maximum: 30 days) and
  // spends one renewal.
  Answer r = renew(hok, svc());
  ASSERT_EQ(r.status, 200) << r.body;
  const saml::AssertionSpec renewed = claims(token_of(r.body));
  EXPECT_GT(renewed.not_on_or_after, std::chrono::system_clock::now() + 24h * 29);
  EXPECT_EQ(renewed.renew_count, source.renew_count - 1);
  EXPECT_FALSE(renewed.chain_not_on_or_after);
  // Token by token gives a new token, never longer-lived than the one presented.
  Answer t = by_token(hok, svc().key.get());
  ASSERT_EQ(t.status, 200) << t.body;
  const saml::AssertionSpec derived = claims(token_of(t.body));
  EXPECT_EQ(derived.subject_upn, "boss@VSPHERE.LOCAL");
  EXPECT_LE(derived.not_on_or_after, source.not_on_or_after);
  EXPECT_LE(derived.renew_count, source.renew_count);
  EXPECT_TRUE(derived.delegates.empty());
}

TEST_F(DelegationAttacks, ActAsNeedsActAsUsersMembershipWhichSigilctlGrantsAndRevokes) {
  const std::string user = user_token("boss");
  const double issued = tokens_issued();
  Answer refused = act_as(user, outsider());
  expect_fault(refused, "RequestFailed");
  EXPECT_NE(refused.body.find("ActAsUsers"), std::string::npos) << refused.body;
  EXPECT_EQ(tokens_issued(), issued);

  auto added = ctl({"solution-user", "group", "add", "outsider", "ActAsUsers"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(ctl({"solution-user", "group", "add", "outsider", "actasusers"}).exit_code, 1);
  Answer allowed = act_as(user, outsider());
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  const std::string delegated = token_of(allowed.body);
  const saml::AssertionSpec c = claims(delegated);
  ASSERT_EQ(c.delegates.size(), 1u);
  EXPECT_EQ(c.delegates[0].upn, "outsider@VSPHERE.LOCAL");

  // Removed from the group, it can neither ActAs again nor keep its delegated token alive.
  auto removed = ctl({"solution-user", "group", "remove", "outsider", "ActAsUsers"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(ctl({"solution-user", "group", "remove", "outsider", "ActAsUsers"}).exit_code, 1);
  expect_fault(act_as(user, outsider()), "RequestFailed");
  expect_fault(renew(delegated, outsider()), "RequestFailed");
  expect_fault(by_token(delegated, outsider().key.get()), "RequestFailed");
  expect_still_issuing();
}

TEST_F(DelegationAttacks, RenewRereadsTheKindOfPrincipalTheTokenNames) {
  // A solution user "twin" (group Twins) and a user "twin" (Administrators).
  RstSpec rst;
  rst.key_type = "PublicKey";
  rst.renewable = true;
  Credential cred;
  cred.bst = &twin();
  Answer a = send(rst, cred);
  ASSERT_EQ(a.status, 200) << a.body;
  const saml::AssertionSpec solution = claims(token_of(a.body));
  EXPECT_EQ(saml::subject_is_solution_user(solution), std::optional<bool>(true));
  EXPECT_TRUE(has(groups_of(solution), "vsphere.local\\Twins"));

  Answer r = renew(token_of(a.body), twin());
  ASSERT_EQ(r.status, 200) << r.body;
  const saml::AssertionSpec renewed = claims(token_of(r.body));
  EXPECT_EQ(saml::subject_is_solution_user(renewed), std::optional<bool>(true));
  EXPECT_TRUE(has(groups_of(renewed), "vsphere.local\\Twins"));
  EXPECT_FALSE(has(groups_of(renewed), "vsphere.local\\Administrators"));
  Answer t = by_token(token_of(a.body), twin().key.get());
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_FALSE(has(groups_of(claims(token_of(t.body))), "vsphere.local\\Administrators"));

  // The user of that name keeps being the user.
  const std::string user = hok_token("twin");
  Answer u = renew(user, svc());
  ASSERT_EQ(u.status, 200) << u.body;
  const saml::AssertionSpec user_renewed = claims(token_of(u.body));
  EXPECT_EQ(saml::subject_is_solution_user(user_renewed), std::optional<bool>(false));
  EXPECT_TRUE(has(groups_of(user_renewed), "vsphere.local\\Administrators"));
}

// certmgr, on the same database: a delegated administrator token opens the admin API only with
// the holder's certificate, and the audit log names the whole chain.
TEST_F(DelegationAttacks, CertmgrAuditsTheWholeDelegationChain) {
  std::filesystem::create_directories(path("certmgr"));
  const std::string host = between(issuer(), "https://", "/websso");
  ASSERT_FALSE(host.empty()) << issuer();
  auto started = RunningService::start(
      certmgr_binary(), {"--db", *db_, "--home", path("certmgr"), "--master-key-file",
                         *home_ + "/master.key", "--sts-hostname", host});
  ASSERT_TRUE(started) << started.error();
  certmgr_ = new RunningService(std::move(*started));
  std::optional<std::uint16_t> port;
  for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
    port = listener_port(certmgr_->log(), "admin");
  }
  ASSERT_TRUE(port) << certmgr_->log();
  const std::string base = "https://127.0.0.1:" + std::to_string(*port) +
                           "/api/v1/admin/tenants/vsphere.local";
  const auto call = [&](const std::string& token, bool with_cert, const std::string& method,
                        const std::string& route, const std::string& body = "") {
    std::vector<std::string> argv{"curl", "-sS", "--max-time", "20", "--cacert",
                                  path("certmgr") + "/tls/server.crt", "-X", method, "-H",
                                  "Authorization: SAML " +
                                      crypto::base64_encode(crypto::bytes_of(token)),
                                  "-w", "\n%{http_code}"};
    if (with_cert) argv.insert(argv.end(), {"--cert", path("svc.pem"), "--key", path("svc.key")});
    if (!body.empty()) {
      argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary", body});
    }
    argv.push_back(base + route);
    auto r = run_process(argv, ProcessOptions{});
    EXPECT_TRUE(r) << r.error();
    return r ? r->out : std::string();
  };
  Answer a = act_as(user_token("boss"), svc());
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string delegated = token_of(a.body);
  // A holder-of-key token without its holder's certificate is no credential.
  EXPECT_NE(call(delegated, false, "GET", "/whoami").find("\n401"), std::string::npos);
  const std::string who = call(delegated, true, "GET", "/whoami");
  EXPECT_NE(who.find("\"actor\":\"user:boss@VSPHERE.LOCAL;delegates=svc@VSPHERE.LOCAL\""),
            std::string::npos)
      << who;
  const std::string added = call(delegated, true, "POST", "/signing-certs", "{}");
  ASSERT_NE(added.find("\n200"), std::string::npos) << added;
  const std::string audit = call(delegated, true, "GET", "/audit-log?limit=1");
  EXPECT_NE(audit.find("\"actor\":\"user:boss@VSPHERE.LOCAL;delegates=svc@VSPHERE.LOCAL\""),
            std::string::npos)
      << audit;
  EXPECT_NE(audit.find("signing-key.add"), std::string::npos) << audit;

  // Taken out of ActAsUsers, the holder loses the administrator's rights at once, although
  // the delegated token itself is still valid; back in, it has them again.
  ASSERT_EQ(ctl({"solution-user", "group", "remove", "svc", "ActAsUsers"}).exit_code, 0);
  const std::string revoked = call(delegated, true, "GET", "/whoami");
  EXPECT_NE(revoked.find("\n401"), std::string::npos) << revoked;
  EXPECT_NE(revoked.find("may no longer act"), std::string::npos) << revoked;
  ASSERT_EQ(ctl({"solution-user", "group", "add", "svc", "ActAsUsers"}).exit_code, 0);
  EXPECT_NE(call(delegated, true, "GET", "/whoami").find("\n200"), std::string::npos);
}

}  // namespace
}  // namespace sigil::testing
