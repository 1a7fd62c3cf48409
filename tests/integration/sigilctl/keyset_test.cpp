// The real sigilctl binary against the harness PostgreSQL: signing-cert and rotate --dry-run
// through a running sigil-certmgr's admin API (admin client certificate), tenant show /
// set-policy DB-direct. Every change must be visible as a keyset generation bump.

#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/transaction>

#include "admin_env.hpp"
#include "service_process.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class SigilctlKeyset : public AdminApiFixture {
 protected:
  json::array keys() { return ctl_json({"signing-cert", "list"}).at("keys").as_array(); }

  std::string active_key() {
    for (const auto& k : keys()) {
      if (k.at("state").as_string() == "active") return std::string(k.at("key_id").as_string());
    }
    return {};
  }

  std::int64_t generation() {
    return ctl_json({"tenant", "show", "vsphere.local"}).at("keyset_generation").as_int64();
  }

  // A certificate + key (+ chain) written to files; returns the file names.
  struct Files {
    std::string cert, key, chain;
  };
  Files make_cert(const std::string& name, bool is_ca, std::chrono::hours validity,
                  bool with_chain = false) {
    auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256).value();
    crypto::EvpPkeyPtr root_key;
    crypto::X509Ptr root;
    crypto::CertRequest req;
    const TimePoint now = std::chrono::system_clock::now();
    if (with_chain) {
      root_key = crypto::generate_key(crypto::KeyType::kEcdsaP256).value();
      crypto::CertRequest r;
      r.subject.common_name = "Test Root";
      r.subject_key = root_key.get();
      r.issuer_key = root_key.get();
      r.not_before = now - 1h;
      r.not_after = now + 24h * 3650;
      r.is_ca = true;
      r.key_usage.key_cert_sign = true;
      root = crypto::issue_certificate(r).value();
      req.issuer_key = root_key.get();
      req.issuer_cert = root.get();
    } else {
      req.issuer_key = key.get();
    }
    req.subject.common_name = name;
    req.subject_key = key.get();
    req.not_before = now - 1h;
    req.not_after = now + validity;
    req.is_ca = is_ca;
    req.key_usage.digital_signature = true;
    req.key_usage.key_cert_sign = is_ca;
    auto cert = crypto::issue_certificate(req).value();
    Files f{path(name + ".crt"), path(name + ".key"), with_chain ? path(name + "-chain.crt") : ""};
    std::ofstream(f.cert) << crypto::write_certificate_pem(cert.get()).value();
    std::ofstream(f.key) << crypto::write_private_key_pem(key.get()).value().view();
    if (with_chain) std::ofstream(f.chain) << crypto::write_certificate_pem(root.get()).value();
    return f;
  }

};

TEST_F(SigilctlKeyset, RefreshRotatesBumpsTheGenerationAndKeepsTheOldKeyVerifying) {
  const std::string first = active_key();
  ASSERT_FALSE(first.empty());
  const std::int64_t g0 = generation();
  auto r = ctl_json({"signing-cert", "refresh"});
  const std::string second(r.at("activated_key_id").as_string());
  EXPECT_NE(second, first);
  EXPECT_EQ(r.at("verify_only_key_id").as_string(), first);
  EXPECT_FALSE(r.at("verify_until").is_null());
  EXPECT_GT(generation(), g0);
  EXPECT_EQ(active_key(), second);
  int verify_only = 0;
  for (const auto& k : keys()) {
    if (k.at("state").as_string() == "verify-only") {
      ++verify_only;
      EXPECT_EQ(k.at("key_id").as_string(), first);
      EXPECT_EQ(k.at("verify_until"), r.at("verify_until"));
    }
  }
  EXPECT_EQ(verify_only, 1);

  auto text = ctl({"signing-cert", "refresh", "--key-type", "ecdsa-p256"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("active: sk-"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("verify-only: " + second + " until "), std::string::npos) << text.out;
  auto shown = ctl_json({"signing-cert", "show"});
  EXPECT_EQ(shown.at("algorithm").as_string(), "ecdsa-sha256");
  EXPECT_EQ(shown.at("key").as_string(), "ECDSA-P256");
}

TEST_F(SigilctlKeyset, AddIsPendingUntilActivated) {
  const std::string first = active_key();
  auto added = ctl({"signing-cert", "add", "--validity-days", "30"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const auto out = lines(added.out);
  ASSERT_EQ(out.size(), 1u) << added.out;
  const std::string id = out[0];
  EXPECT_EQ(id.rfind("sk-", 0), 0u);
  EXPECT_EQ(active_key(), first) << "a pending key does not sign";
  auto shown = ctl_json({"signing-cert", "show", id});
  EXPECT_EQ(shown.at("state").as_string(), "pending");
  EXPECT_EQ(shown.at("subject").as_string(), "CN=vsphere.local token signing,O=Sigil");
  EXPECT_EQ(shown.at("issuer").as_string(), "CN=Sigil built-in CA,O=Sigil");
  EXPECT_EQ(shown.at("source").as_string(), "builtin-ca");
  EXPECT_EQ(shown.at("sha256_fingerprint").as_string().size(), 95u);  // 32 hex pairs + colons

  const std::int64_t g = generation();
  auto act = ctl({"signing-cert", "activate", id});
  ASSERT_EQ(act.exit_code, 0) << act.err;
  EXPECT_EQ(active_key(), id);
  EXPECT_GT(generation(), g);
  auto again = ctl({"signing-cert", "activate", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(lines(again.err).size(), 1u) << again.err;
  EXPECT_NE(again.err.find("is active and cannot become active"), std::string::npos) << again.err;
}

TEST_F(SigilctlKeyset, ShowListsEveryCertificateDetail) {
  auto text = ctl({"signing-cert", "show"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* label : {"key id", "state", "source", "subject", "issuer", "serial",
                            "not before", "not after", "sha256", "verify until"}) {
    EXPECT_NE(text.out.find(label), std::string::npos) << label << "\n" << text.out;
  }
  auto missing = ctl({"signing-cert", "show", "sk-nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "sigilctl: no signing key sk-nope in tenant vsphere.local\n");
}

TEST_F(SigilctlKeyset, RotateDryRunNamesTheKeyThatWouldBecomeVerifyOnlyAndChangesNothing) {
  const std::string first = active_key();
  ASSERT_EQ(ctl({"signing-cert", "refresh"}).exit_code, 0);
  const std::string second = active_key();
  const std::int64_t g = generation();
  auto conn = db::connect(conninfo());
  ASSERT_TRUE(conn);
  {
    pqxx::work tx(**conn);
    tx.exec(
        "INSERT INTO issued_tokens (token_id, key_id, issued_at, not_on_or_after) VALUES "
        "('_live', '" +
        first +
        "', now() - interval '1 minute', now() + interval '1 hour'),"
        "('_dead', '" +
        first + "', now() - interval '2 days', now() - interval '1 day')");
    tx.commit();
  }
  auto r = ctl_json({"rotate", "--dry-run"});
  EXPECT_EQ(r.at("verify_only_key_id").as_string(), second);
  EXPECT_EQ(r.at("stranded_by_rotation").as_int64(), 0);
  EXPECT_EQ(r.at("retention_period_s").as_int64(), 2592000LL * 11 + 600);
  const auto& ks = r.at("keys").as_array();
  ASSERT_EQ(ks.size(), 2u);
  for (const auto& k : ks) {
    EXPECT_FALSE(k.at("safe_to_remove_now").as_bool()) << json::serialize(k);
    if (k.at("key_id").as_string() == first) {
      EXPECT_EQ(k.at("state").as_string(), "verify-only");
      EXPECT_EQ(k.at("live_tokens").as_int64(), 1) << json::serialize(k);
      EXPECT_EQ(k.at("live_token_ids").as_array()[0].as_string(), "_live");
    }
  }
  EXPECT_EQ(generation(), g) << "a dry run changes nothing";
  auto no_flag = ctl({"rotate"});
  EXPECT_EQ(no_flag.exit_code, 2);
  auto text = ctl({"rotate", "--dry-run"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("a rotation now: " + second + " becomes verify-only until"),
            std::string::npos)
      << text.out;
}

TEST_F(SigilctlKeyset, SetPolicyValidatesRangesAndIsAuditLogged) {
  auto bad = ctl({"tenant", "set-policy", "vsphere.local", "--max-renew-count", "5000"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "sigilctl: max_renew_count must be 0..1000, not 5000\n");
  auto nan = ctl({"tenant", "set-policy", "vsphere.local", "--clock-tolerance-s", "ten"});
  EXPECT_EQ(nan.exit_code, 1);
  EXPECT_EQ(nan.err, "sigilctl: 'ten' is not a whole number\n");
  auto none = ctl({"tenant", "set-policy", "vsphere.local"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no policy field"), std::string::npos);

  auto ok = ctl_json({"tenant", "set-policy", "vsphere.local", "--max-hok-lifetime-s", "7200",
                      "--max-renew-count", "2", "--clock-tolerance-s", "60"});
  const auto& policy = ok.at("policy");
  EXPECT_EQ(policy.at("max_hok_lifetime_s").as_int64(), 7200);
  EXPECT_EQ(policy.at("max_renew_count").as_int64(), 2);
  EXPECT_EQ(policy.at("max_bearer_lifetime_s").as_int64(), 300);
  EXPECT_EQ(ok.at("retention_period_s").as_int64(), 7200 * 3 + 60);
  auto conn = db::connect(conninfo());
  ASSERT_TRUE(conn);
  pqxx::work tx(**conn);
  auto row = tx.exec1(
      "SELECT actor, new_value->>'max_renew_count' FROM audit_log "
      "WHERE action = 'tenant.set-policy'");
  EXPECT_EQ(row[0].as<std::string>().rfind("sigilctl:", 0), 0u);
  EXPECT_EQ(row[1].as<std::string>(), "2");
}

TEST_F(SigilctlKeyset, ImportWithChainPassesEveryCheckAndCanActivate) {
  const std::string before = active_key();
  Files f = make_cert("partner-signing", false, 24h * 800, true);
  auto dry = ctl({"signing-cert", "import", "--cert", f.cert, "--key", f.key, "--chain", f.chain,
                  "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("pass  chain"), std::string::npos) << dry.out;
  EXPECT_EQ(keys().size(), 1u) << "a dry run stores nothing";

  const std::int64_t g = generation();
  auto r = ctl_json({"signing-cert", "import", "--cert", f.cert, "--key", f.key, "--chain", f.chain,
                     "--activate"});
  EXPECT_EQ(r.at("outcome").as_string(), "imported");
  EXPECT_GT(generation(), g);
  auto shown = ctl_json({"signing-cert", "show"});
  EXPECT_EQ(shown.at("source").as_string(), "third-party");
  EXPECT_EQ(shown.at("subject").as_string(), "CN=partner-signing");
  EXPECT_EQ(shown.at("chain_length").as_int64(), 2);
  EXPECT_EQ(ctl_json({"signing-cert", "show", before}).at("state").as_string(), "verify-only");
}

TEST_F(SigilctlKeyset, RejectedImportsLeaveTheKeySetByteForByteAsItWas) {
  const std::string before = json::serialize(ctl_json({"signing-cert", "list"}));
  Files ca = make_cert("not-a-signer", true, 24h * 800);
  auto r = ctl({"signing-cert", "import", "--cert", ca.cert, "--key", ca.key});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("fail  not-ca"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "sigilctl: import rejected: a check failed; nothing changed\n");

  Files good = make_cert("good", false, 24h * 800);
  Files other = make_cert("other", false, 24h * 800);
  auto mismatch = ctl({"signing-cert", "import", "--cert", good.cert, "--key", other.key});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.out.find("fail  key-matches"), std::string::npos) << mismatch.out;

  Files short_lived = make_cert("short", false, 24h * 20);
  auto warn = ctl({"signing-cert", "import", "--cert", short_lived.cert, "--key", short_lived.key});
  EXPECT_EQ(warn.exit_code, 1);
  EXPECT_NE(warn.out.find("warn  expiry-margin"), std::string::npos) << warn.out;
  EXPECT_NE(warn.err.find("--force"), std::string::npos);
  EXPECT_EQ(json::serialize(ctl_json({"signing-cert", "list"})), before);

  auto missing = ctl({"signing-cert", "import", "--cert", good.cert});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "sigilctl: signing-cert import needs --cert FILE and --key FILE\n");

  auto forced = ctl(
      {"signing-cert", "import", "--cert", short_lived.cert, "--key", short_lived.key, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(keys().size(), 2u);
}

TEST_F(SigilctlKeyset, ErrorsAreOneLineWithNonZeroExit) {
  auto tenant = ctl({"signing-cert", "list", "--tenant", "nowhere.example"});
  EXPECT_EQ(tenant.exit_code, 1);
  EXPECT_EQ(tenant.err, "sigilctl: no such tenant\n");
  auto unknown = ctl({"signing-cert", "activate", "sk-0000"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(lines(unknown.err).size(), 1u);
  auto usage = ctl({"signing-cert", "frobnicate"});
  EXPECT_EQ(usage.exit_code, 2);
  auto help = ctl({"signing-cert", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("built-in CA"), std::string::npos);
  auto tenant_show = ctl({"tenant", "show", "vsphere.local"});
  EXPECT_EQ(tenant_show.exit_code, 0);
  EXPECT_NE(tenant_show.out.find("keyset generation"), std::string::npos);
}

}  // namespace
}  // namespace sigil::testing
