// Signed configuration bundles end to end (docs/bundles.md): two deployments A and B, each with
// its own database, master key, sigil-certmgr and default server certificate. `sigilctl bundle
// export` on A -> `bundle import` on B: refused while A's certificate is unknown to B, applied
// with --trust (tenant, policy, hostnames, users, solution users) and afterwards without it,
// idempotent the second time; a tampered payload is refused even with --trust; a hostname owned
// by another tenant refuses the whole import; with --include-secrets the password hash moves.
// `openssl cms -verify` accepts the exported signature and rejects the tampered one. Every
// refusal is checked to leave B's tables exactly as they were.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "service_process.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// One deployment: database, master key, vsphere.local with an admin certificate, a running
// certmgr and a self-signed default server certificate (the bundle signer).
class Deployment {
 public:
  void start(const std::string& label) {
    conninfo_ = PgEnvironment::instance().fresh_database();
    ASSERT_FALSE(conninfo_.empty());
    auto dir = TempDir::create("sigil-bundle-" + label + "-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    ASSERT_TRUE(crypto::create_master_key_file(path("master.key")));
    env_ = {"SIGIL_DB=" + conninfo_, "SIGIL_HOME=" + path(""),
            "SIGIL_MASTER_KEY_FILE=" + path("master.key")};
    ASSERT_EQ(ctl({"tenant", "create", "vsphere.local"}).exit_code, 0);
    ASSERT_EQ(ctl({"admin-cert", "create", "--out-cert", path("admin.crt"), "--out-key",
                   path("admin.key")})
                  .exit_code,
              0);
    auto svc = RunningService::start(
        certmgr_binary(),
        {"--db", conninfo_, "--home", path(""), "--master-key-file", path("master.key"),
         "--sts-hostname", "localhost", "--hostname", label + ".example.test"});
    ASSERT_TRUE(svc) << svc.error();
    certmgr_.emplace(std::move(*svc));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
      port = listener_port(certmgr_->log(), "admin");
    }
    ASSERT_TRUE(port) << certmgr_->log();
    env_.push_back("SIGIL_SERVER=https://127.0.0.1:" + std::to_string(*port));
    use_admin("admin");
    auto cert = ctl({"server-cert", "self-signed", "--cn", label + ".example.test"});
    ASSERT_EQ(cert.exit_code, 0) << cert.err;
  }

  // The admin credential `name`.crt/.key for the following sigilctl calls.
  void use_admin(const std::string& name) {
    std::erase_if(env_, [](const std::string& e) { return e.rfind("SIGIL_CLIENT_", 0) == 0; });
    env_.push_back("SIGIL_CLIENT_CERT=" + path(name + ".crt"));
    env_.push_back("SIGIL_CLIENT_KEY=" + path(name + ".key"));
  }

  ProcessResult ctl(std::vector<std::string> args, std::string stdin_data = "") {
    args.insert(args.begin(), sigilctl_binary());
    ProcessOptions options;
    options.env = env_;
    options.timeout = 60s;
    options.stdin_data = std::move(stdin_data);
    auto r = run_process(args, options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  json::value ctl_json(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::error_code ec;
    json::value v = json::parse(r.out, ec);
    EXPECT_FALSE(ec) << r.out;
    return v;
  }

  // Every row a bundle import may touch, as text: equal snapshots mean nothing changed.
  std::string snapshot() {
    pqxx::connection c(conninfo_);
    pqxx::work tx(c);
    std::string out;
    const char* queries[] = {
        "SELECT name, clock_tolerance_s, max_bearer_lifetime_s, max_hok_lifetime_s, "
        "max_renew_count, max_delegation_count, lockout_max_failures, lockout_window_s, "
        "lockout_duration_s, keyset_generation FROM tenants ORDER BY name",
        "SELECT hostname, tenant_id FROM tenant_hostnames ORDER BY hostname",
        "SELECT tenant_id, name, password_hash, groups, first_name, last_name, disabled "
        "FROM users ORDER BY tenant_id, name",
        "SELECT tenant_id, name, certificate_sha256, groups, disabled FROM solution_users "
        "ORDER BY tenant_id, name",
        "SELECT count(*) FROM signing_keys",
        "SELECT sha256, subject FROM bundle_trusted_signers ORDER BY sha256"};
    for (const char* q : queries) {
      for (const auto& row : tx.exec(q)) {
        for (const auto& f : row) out += (f.is_null() ? "NULL" : f.c_str()) + std::string("|");
        out += "\n";
      }
      out += "--\n";
    }
    return out;
  }

  std::string query1(const std::string& sql) {
    pqxx::connection c(conninfo_);
    pqxx::work tx(c);
    auto r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
  }

  // Starts this deployment's sigil-sts; its HTTPS port.
  std::uint16_t start_sts() {
    std::filesystem::create_directories(path("sts"));
    auto sts = RunningService::start(sts_binary(),
                                     {"--db", conninfo_, "--home", path("sts"), "--master-key-file",
                                      path("master.key"), "--keyset-poll-interval-ms", "500"});
    EXPECT_TRUE(sts) << sts.error();
    if (!sts) return 0;
    sts_.emplace(std::move(*sts));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
      port = listener_port(sts_->log(), "main");
    }
    EXPECT_TRUE(port) << sts_->log();
    return port.value_or(0);
  }

  std::string path(const std::string& name) const { return (dir_->path() / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string conninfo_;
  std::optional<TempDir> dir_;
  std::vector<std::string> env_;
  std::optional<RunningService> certmgr_;
  std::optional<RunningService> sts_;
};

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.start("a");
    if (HasFatalFailure()) return;
    b_.start("b");
  }

  ProcessResult run(const std::vector<std::string>& args) {
    ProcessOptions options;
    options.timeout = 30s;
    auto r = run_process(args, options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  // Writes the bundle's payload and DER signature next to it; the payload text.
  std::string split(Deployment& d, const std::string& bundle, const std::string& prefix) {
    json::value v = json::parse(d.read(bundle));
    auto payload = crypto::base64_decode(std::string(v.at("payload").as_string()));
    auto signature = crypto::base64_decode(std::string(v.at("signature").as_string()));
    EXPECT_TRUE(payload && signature);
    std::ofstream(d.path(prefix + ".payload"), std::ios::binary)
        .write(reinterpret_cast<const char*>(payload->data()),
               static_cast<std::streamsize>(payload->size()));
    std::ofstream(d.path(prefix + ".sig"), std::ios::binary)
        .write(reinterpret_cast<const char*>(signature->data()),
               static_cast<std::streamsize>(signature->size()));
    return std::string(payload->begin(), payload->end());
  }

  ProcessResult openssl_verify(Deployment& d, const std::string& prefix) {
    return run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                d.path(prefix + ".sig"), "-content", d.path(prefix + ".payload"), "-noverify",
                "-out", d.path(prefix + ".out")});
  }

  // The HTTP status of a password token request for tenant acme on sts `port` (curl; the
  // server certificate is not what this checks).
  std::string login(std::uint16_t port, const std::string& user, const std::string& password) {
    auto r = run(
        {"curl", "-sSk", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}", "-H",
         "Content-Type: application/json", "-d",
         R"({"grant":"password","username":")" + user + R"(","password":")" + password + R"("})",
         "https://127.0.0.1:" + std::to_string(port) + "/api/v1/tenants/acme/tokens"});
    return r.out;
  }

  Deployment a_;
  Deployment b_;
};

TEST_F(BundleTest, ExportedOnAImportsOnBOnlyWhenTrustedAndUntampered) {
  // A: tenant acme with a hostname, a policy, two users, a solution user and its own admin.
  ASSERT_EQ(a_.ctl({"tenant", "create", "acme", "--hostname", "sts.acme.test"}).exit_code, 0);
  ASSERT_EQ(a_.ctl({"tenant", "set-policy", "acme", "--max-bearer-lifetime-s", "600",
                    "--lockout-max-failures", "7"})
                .exit_code,
            0);
  ASSERT_EQ(a_.ctl({"--tenant", "acme", "user", "add", "alice", "--group", "Administrators",
                    "--first-name", "Alice", "--last-name", "Liddell", "--password-stdin"},
                   "Alice-pass-1\n")
                .exit_code,
            0);
  ASSERT_EQ(a_.ctl({"--tenant", "acme", "user", "add", "bob", "--password-stdin"}, "Bob-pass-1\n")
                .exit_code,
            0);
  ASSERT_EQ(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", a_.path("svc.key"), "-out", a_.path("svc.pem"), "-subj",
                 "/CN=vpxd", "-days", "30"})
                .exit_code,
            0);
  ASSERT_EQ(a_.ctl({"--tenant", "acme", "solution-user", "add", "vpxd", "--cert",
                    a_.path("svc.pem"), "--group", "ActAsUsers"})
                .exit_code,
            0);
  ASSERT_EQ(a_.ctl({"--tenant", "acme", "admin-cert", "create", "--out-cert",
                    a_.path("acme-admin.crt"), "--out-key", a_.path("acme-admin.key")})
                .exit_code,
            0);
  a_.use_admin("acme-admin");

  // Export: 0600, no secrets, signed by A's server certificate.
  auto exported = a_.ctl({"--tenant", "acme", "bundle", "export", "--out", a_.path("acme.bundle")});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("CN=a.example.test"), std::string::npos) << exported.out;
  EXPECT_EQ(
      std::filesystem::status(a_.path("acme.bundle")).permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto again = a_.ctl({"--tenant", "acme", "bundle", "export", "--out", a_.path("acme.bundle")});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("not overwriting"), std::string::npos) << again.err;
  const std::string payload = split(a_, "acme.bundle", "acme");
  EXPECT_EQ(payload.find("password_hash"), std::string::npos);
  EXPECT_EQ(payload.find("$scrypt$"), std::string::npos);

  // Third-party check: openssl's CMS accepts the detached signature over the payload bytes.
  auto ok = openssl_verify(a_, "acme");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("Verification successful"), std::string::npos) << ok.err;

  // A imports its own bundle without --trust: its own certificate; nothing changes.
  a_.use_admin("admin");
  const std::string a_before = a_.snapshot();
  auto own = a_.ctl_json({"bundle", "import", a_.path("acme.bundle")});
  EXPECT_EQ(own.at("signer").at("trust"), "own-certificate") << own;
  EXPECT_EQ(own.at("users").at("unchanged"), 2) << own;           // alice, bob
  EXPECT_EQ(own.at("solution_users").at("unchanged"), 2) << own;  // vpxd, sigilctl-admin
  EXPECT_EQ(a_.snapshot(), a_before);

  // B does not know A's certificate: refused, showing subject and fingerprint; B unchanged.
  const std::string b_before = b_.snapshot();
  auto refused = b_.ctl({"bundle", "import", a_.path("acme.bundle")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("CN=a.example.test"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("SHA-256 "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--trust"), std::string::npos) << refused.err;
  EXPECT_EQ(b_.snapshot(), b_before);

  // A tampered payload (one byte) is refused even with --trust; B unchanged.
  std::string tampered = payload;
  const auto at = tampered.find("\"max_bearer_lifetime_s\":600");
  ASSERT_NE(at, std::string::npos) << payload;
  tampered[at + 24] = '9';  // 600 -> 900
  json::value file = json::parse(a_.read("acme.bundle"));
  file.as_object()["payload"] = crypto::base64_encode(crypto::bytes_of(tampered));
  std::ofstream(a_.path("tampered.bundle")) << json::serialize(file);
  auto bad = b_.ctl({"bundle", "import", a_.path("tampered.bundle"), "--trust"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("signature does not verify"), std::string::npos) << bad.err;
  EXPECT_EQ(b_.snapshot(), b_before);
  split(a_, "tampered.bundle", "tampered");
  EXPECT_NE(openssl_verify(a_, "tampered").exit_code, 0);

  // Dry run with --trust: the full report, nothing written (not even the trust).
  auto dry = b_.ctl_json({"bundle", "import", a_.path("acme.bundle"), "--trust", "--dry-run"});
  EXPECT_EQ(dry.at("dry_run"), true) << dry;
  EXPECT_EQ(dry.at("tenant_created"), true) << dry;
  EXPECT_EQ(dry.at("signer").at("trust"), "would-be-trusted") << dry;
  EXPECT_EQ(b_.snapshot(), b_before);

  // With --trust: applied, and the signer is trusted from now on.
  auto imported = b_.ctl({"bundle", "import", a_.path("acme.bundle"), "--trust"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("created, signing key"), std::string::npos) << imported.out;
  EXPECT_NE(imported.out.find("not imported"), std::string::npos) << imported.out;
  EXPECT_EQ(b_.query1("SELECT max_bearer_lifetime_s || ',' || lockout_max_failures FROM tenants "
                      "WHERE name = 'acme'"),
            "600,7");
  EXPECT_EQ(b_.query1("SELECT t.name FROM tenant_hostnames h JOIN tenants t ON t.id = "
                      "h.tenant_id WHERE hostname = 'sts.acme.test'"),
            "acme");
  EXPECT_EQ(b_.query1("SELECT disabled::text || ',' || first_name || ',' || groups::text FROM "
                      "users WHERE name = 'alice'"),
            "true,Alice,{Administrators}");
  EXPECT_EQ(b_.query1("SELECT password_hash FROM users WHERE name = 'bob'"),
            "!sigil-bundle:no-password");
  EXPECT_EQ(b_.query1("SELECT groups::text FROM solution_users WHERE name = 'vpxd'"),
            "{ActAsUsers}");
  EXPECT_EQ(b_.query1("SELECT count(*) FROM signing_keys k JOIN tenants t ON t.id = k.tenant_id "
                      "WHERE t.name = 'acme' AND k.state = 'active'"),
            "1");
  auto trusted = b_.ctl_json({"bundle", "trusted", "list"});
  ASSERT_EQ(trusted.at("trusted_signers").as_array().size(), 1u) << trusted;
  EXPECT_EQ(trusted.at("trusted_signers").at(0).at("subject"), "CN=a.example.test") << trusted;

  // Without its password hash, alice cannot log in on B.
  const std::uint16_t b_sts = b_.start_sts();
  ASSERT_NE(b_sts, 0);
  EXPECT_EQ(login(b_sts, "alice", "Alice-pass-1"), "401");

  // The same file again, without --trust: accepted, nothing changes.
  const std::string b_after = b_.snapshot();
  auto second = b_.ctl_json({"bundle", "import", a_.path("acme.bundle")});
  EXPECT_EQ(second.at("signer").at("trust"), "trusted-list") << second;
  EXPECT_EQ(second.at("tenant_created"), false) << second;
  EXPECT_EQ(second.at("users").at("created"), 0) << second;
  EXPECT_EQ(second.at("users").at("updated"), 0) << second;
  EXPECT_EQ(b_.snapshot(), b_after);

  // With secrets: the hashes move; alice is enabled on B with A's password hash.
  a_.use_admin("acme-admin");
  auto secret = a_.ctl({"--tenant", "acme", "bundle", "export", "--include-secrets", "--out",
                        a_.path("acme-secrets.bundle")});
  ASSERT_EQ(secret.exit_code, 0) << secret.err;
  EXPECT_NE(split(a_, "acme-secrets.bundle", "secrets").find("$scrypt$"), std::string::npos);
  auto with_secrets = b_.ctl({"bundle", "import", a_.path("acme-secrets.bundle")});
  ASSERT_EQ(with_secrets.exit_code, 0) << with_secrets.err;
  EXPECT_EQ(b_.query1("SELECT password_hash FROM users WHERE name = 'alice'"),
            a_.query1("SELECT password_hash FROM users WHERE name = 'alice'"));
  EXPECT_EQ(b_.query1("SELECT disabled::text FROM users WHERE name = 'alice'"), "false");
  std::string status;
  for (int i = 0; i < 50 && status != "200"; ++i, std::this_thread::sleep_for(100ms)) {
    status = login(b_sts, "alice", "Alice-pass-1");
  }
  EXPECT_EQ(status, "200");  // same password as on A, token signed by B's new key
  EXPECT_EQ(login(b_sts, "alice", "wrong-pass"), "401");

  // A hostname B gave another tenant refuses the whole import; nothing changes.
  ASSERT_EQ(a_.ctl({"tenant", "create", "beta", "--hostname", "shared.example.test"}).exit_code, 0);
  ASSERT_EQ(a_.ctl({"--tenant", "beta", "admin-cert", "create", "--out-cert",
                    a_.path("beta-admin.crt"), "--out-key", a_.path("beta-admin.key")})
                .exit_code,
            0);
  a_.use_admin("beta-admin");
  ASSERT_EQ(
      a_.ctl({"--tenant", "beta", "bundle", "export", "--out", a_.path("beta.bundle")}).exit_code,
      0);
  ASSERT_EQ(b_.ctl({"tenant", "create", "gamma", "--hostname", "shared.example.test"}).exit_code,
            0);
  const std::string b_gamma = b_.snapshot();
  auto clash = b_.ctl({"bundle", "import", a_.path("beta.bundle")});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_NE(clash.err.find("belongs to tenant gamma"), std::string::npos) << clash.err;
  EXPECT_EQ(b_.snapshot(), b_gamma);
  EXPECT_EQ(b_.query1("SELECT count(*) FROM tenants WHERE name = 'beta'"), "0");

  // acme's admin certificate came along (a solution user in Administrators): on B it may export
  // acme (signed by B's certificate) but not import, which is deployment-wide.
  std::filesystem::copy_file(a_.path("acme-admin.crt"), b_.path("acme-admin.crt"));
  std::filesystem::copy_file(a_.path("acme-admin.key"), b_.path("acme-admin.key"));
  b_.use_admin("acme-admin");
  auto b_export =
      b_.ctl({"--tenant", "acme", "bundle", "export", "--out", b_.path("acme-b.bundle")});
  ASSERT_EQ(b_export.exit_code, 0) << b_export.err;
  EXPECT_NE(b_export.out.find("CN=b.example.test"), std::string::npos) << b_export.out;
  const std::string b_final = b_.snapshot();
  auto not_deployment_admin =
      b_.ctl({"--tenant", "acme", "bundle", "import", b_.path("acme-b.bundle")});
  EXPECT_EQ(not_deployment_admin.exit_code, 1);
  EXPECT_NE(not_deployment_admin.err.find("system tenant vsphere.local"), std::string::npos)
      << not_deployment_admin.err;
  EXPECT_EQ(b_.snapshot(), b_final);
}

}  // namespace
}  // namespace sigil::testing
