// Who may manage which server certificate (docs/tls.md "Who may manage which certificate"), and
// `server-cert import --key` (a certificate with its own key, no CSR), end to end through
// sigilctl -> certmgr's admin API -> PostgreSQL -> a running sigil-sts.
//
// Tenants a (hostname sts.a.example) and b (sts.b.example), each with its own admin client
// certificate; vsphere.local (the system tenant) has the fixture's admin. a's administrator
// manages sts.a.example's certificate and is refused (403, precise message, nothing changed,
// nothing audited) for b's hostname, the default certificate, a wildcard and a hostname no tenant
// has; the system tenant's administrator manages all of them. A key + certificate signed by a
// test CA (openssl CLI) is imported for sts.a.example and `openssl s_client -servername
// sts.a.example -CAfile testca.pem` verifies it against the running sts; a mismatched key, a
// certificate for another name, an expired one, an encrypted key and an RSA-1024 key are refused
// and change nothing.

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "../../sigilctl/admin_env.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class ServerCertScope : public AdminApiFixture {
 protected:
  void SetUp() override {
    AdminApiFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const auto& [tenant, host] : {std::pair{"a", "sts.a.example"}, {"b", "sts.b.example"}}) {
      auto t = ctl({"tenant", "create", tenant, "--hostname", host});
      ASSERT_EQ(t.exit_code, 0) << t.err;
      auto admin = ctl({"--tenant", tenant, "admin-cert", "create", "--out-cert",
                        path(std::string(tenant) + "-admin.crt"), "--out-key",
                        path(std::string(tenant) + "-admin.key")});
      ASSERT_EQ(admin.exit_code, 0) << admin.err;
    }
  }

  // sigilctl as tenant a's administrator (its own path /tenants/a/, its own certificate).
  ProcessResult as_a(std::vector<std::string> args) {
    args.insert(args.begin(), {"--tenant", "a", "--client-cert", path("a-admin.crt"),
                               "--client-key", path("a-admin.key")});
    return ctl(std::move(args));
  }

  // Everything certmgr shows for `hostname`, per the system tenant's administrator: equal
  // snapshots mean nothing changed (ids, fingerprints, pending CSR).
  std::string snapshot(const std::string& hostname) {
    std::vector<std::string> args{"server-cert", "show", "--json"};
    if (!hostname.empty()) {
      args.push_back("--hostname");
      args.push_back(hostname);
    }
    auto r = ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // The number of tenant a's audit rows.
  std::size_t a_audit_rows() {
    auto r = as_a({"audit", "list", "--limit", "1000", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::error_code ec;
    auto v = boost::json::parse(r.out, ec);
    if (ec || !v.is_object()) return 0;
    return v.at("entries").as_array().size();
  }

  // Expects a's `args` to be refused with 403 and `message` in the error, nothing changed for
  // `hostname` and nothing audited.
  void expect_refused(const std::vector<std::string>& args, const std::string& hostname,
                      const std::string& message) {
    const std::string before = snapshot(hostname);
    const std::size_t audit_before = a_audit_rows();
    const std::size_t forbidden_before = count(certmgr_->log(), "result=forbidden");
    auto r = as_a(args);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(snapshot(hostname), before) << "changed: " << hostname;
    EXPECT_EQ(a_audit_rows(), audit_before);
    EXPECT_EQ(count(certmgr_->log(), "result=forbidden"), forbidden_before + 1)
        << certmgr_->log();
  }

  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  // A key (openssl CLI) and a certificate for `san` signed by the test CA.
  void make_leaf(const std::string& name, const std::string& san,
                 const std::string& newkey = "ec") {
    std::vector<std::string> req{"openssl", "req", "-new", "-nodes", "-keyout",
                                 path(name + ".key"), "-out", path(name + ".csr"), "-subj",
                                 "/CN=" + name};
    if (newkey == "ec") {
      req.insert(req.end(), {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"});
    } else {
      req.insert(req.end(), {"-newkey", newkey});
    }
    auto r = run(req);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ofstream(path(name + ".cnf")) << "subjectAltName=" << san
                                       << "\nextendedKeyUsage=serverAuth\n"
                                          "keyUsage=critical,digitalSignature\n";
    auto s = run({"openssl", "x509", "-req", "-in", path(name + ".csr"), "-CA",
                  path("testca.pem"), "-CAkey", path("testca.key"), "-CAcreateserial", "-days",
                  "30", "-extfile", path(name + ".cnf"), "-out", path(name + ".crt")});
    ASSERT_EQ(s.exit_code, 0) << s.err;
  }

  void make_ca() {
    auto ca = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("testca.key"), "-out",
                   path("testca.pem"), "-subj", "/CN=Sigil Scope Test CA", "-days", "30",
                   "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                   "keyUsage=critical,keyCertSign,cRLSign"});
    ASSERT_EQ(ca.exit_code, 0) << ca.err;
  }
};

TEST_F(ServerCertScope, TenantAdminManagesOnlyItsOwnHostnamesSystemAdminManagesAll) {
  // The system tenant's administrator: the default, a wildcard, b's hostname, an unowned one.
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--cn", "localhost"}).exit_code, 0);
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--hostname", "*.wild.example"}).exit_code, 0);
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--hostname", "sts.b.example"}).exit_code, 0);
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--hostname", "nobody.example"}).exit_code, 0);

  // a's administrator: its own hostname, every verb.
  auto own = as_a({"server-cert", "self-signed", "--hostname", "sts.a.example"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  auto shown = as_a({"server-cert", "show", "--hostname", "STS.A.Example", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\"hostname\":\"sts.a.example\""), std::string::npos) << shown.out;
  auto csr = as_a({"server-cert", "csr", "--hostname", "sts.a.example", "--out", path("a.csr")});
  ASSERT_EQ(csr.exit_code, 0) << csr.err;
  auto exported = ctl({"--tenant", "a", "--client-cert", path("a-admin.crt"), "--client-key",
                       path("a-admin.key"), "server-cert", "export", "--hostname",
                       "sts.a.example", "--out", path("a.p12"), "--passphrase-stdin"},
                      "passphrase-a\n");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto audit = as_a({"audit", "list"});
  EXPECT_NE(audit.out.find("server-cert:sts.a.example"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("cert:sha256:"), std::string::npos) << audit.out;

  // Refused: b's hostname (every verb), the default, a wildcard, a hostname no tenant has.
  expect_refused({"server-cert", "self-signed", "--hostname", "sts.b.example"}, "sts.b.example",
                 "hostname sts.b.example belongs to tenant b; an administrator of tenant a may "
                 "manage only a's own hostnames");
  expect_refused({"server-cert", "show", "--hostname", "sts.b.example"}, "sts.b.example",
                 "belongs to tenant b");
  expect_refused({"server-cert", "csr", "--hostname", "sts.b.example", "--out", path("b.csr")},
                 "sts.b.example", "belongs to tenant b");
  EXPECT_FALSE(std::filesystem::exists(path("b.csr")));
  expect_refused({"server-cert", "import", "--hostname", "sts.b.example", "--cert",
                  path("a-admin.crt")},
                 "sts.b.example", "belongs to tenant b");
  expect_refused({"server-cert", "self-signed"}, "",
                 "the default server certificate is deployment-wide: only an administrator of "
                 "the system tenant vsphere.local may manage it");
  expect_refused({"server-cert", "self-signed", "--hostname", "*.wild.example"}, "*.wild.example",
                 "the wildcard hostname *.wild.example is deployment-wide");
  expect_refused({"server-cert", "self-signed", "--hostname", "*.a.example"}, "*.a.example",
                 "the wildcard hostname *.a.example is deployment-wide");
  expect_refused({"server-cert", "self-signed", "--hostname", "nobody.example"}, "nobody.example",
                 "hostname nobody.example belongs to no tenant");
  // Its own hostname, but a certificate that would also name b's.
  expect_refused({"server-cert", "self-signed", "--hostname", "sts.a.example", "--cn",
                  "sts.b.example"},
                 "sts.a.example", "the certificate would name sts.b.example: hostname "
                                  "sts.b.example belongs to tenant b");
  // a's path with a's credential cannot reach another tenant's path either (401/403 there).
  auto b_path = ctl({"--tenant", "b", "--client-cert", path("a-admin.crt"), "--client-key",
                     path("a-admin.key"), "server-cert", "self-signed", "--hostname",
                     "sts.b.example"});
  EXPECT_EQ(b_path.exit_code, 1);

  // The system tenant's administrator manages a's hostname too.
  const std::string before_sys = snapshot("sts.a.example");
  auto sys = ctl({"server-cert", "self-signed", "--hostname", "sts.a.example"});
  ASSERT_EQ(sys.exit_code, 0) << sys.err;
  EXPECT_NE(snapshot("sts.a.example"), before_sys);

  // a's credential, once also an administrator of the system tenant, is a deployment admin even
  // on a's path (authenticate_deployment_admin).
  auto both = ctl({"--tenant", "vsphere.local", "solution-user", "add", "a-and-system", "--cert",
                   path("a-admin.crt"), "--group", "Administrators"});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  const std::string before_default = snapshot("");
  auto def = as_a({"server-cert", "self-signed", "--cn", "localhost"});
  ASSERT_EQ(def.exit_code, 0) << def.err;
  EXPECT_NE(snapshot(""), before_default);
  auto b_host = as_a({"server-cert", "self-signed", "--hostname", "sts.b.example"});
  EXPECT_EQ(b_host.exit_code, 0) << b_host.err;
}

TEST_F(ServerCertScope, KeyAndCertificateImportIsServedAndBadOnesChangeNothing) {
  std::uint16_t port = 0;
  auto sts = start_sts("500", &port);
  ASSERT_TRUE(sts) << sts.error();
  const pid_t pid = sts->process().pid();
  auto s_client = [&] {
    return run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                "-servername", "sts.a.example", "-CAfile", path("testca.pem"),
                "-verify_return_error", "-brief"},
               "");
  };

  make_ca();
  ASSERT_FALSE(HasFatalFailure());
  make_leaf("good", "DNS:sts.a.example");
  make_leaf("wrongname", "DNS:sts.other.example");
  make_leaf("weak", "DNS:sts.a.example", "rsa:1024");
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_NE(s_client().exit_code, 0);  // sts's HOME/tls certificate: not the test CA's

  // A pending CSR for the hostname, which the key import leaves alone.
  auto csr = as_a({"server-cert", "csr", "--hostname", "sts.a.example", "--out", path("a.csr")});
  ASSERT_EQ(csr.exit_code, 0) << csr.err;

  auto import_a = [&](const std::string& cert, const std::string& key) {
    return as_a({"server-cert", "import", "--hostname", "sts.a.example", "--cert", path(cert),
                 "--key", path(key), "--chain", path("testca.pem")});
  };
  auto refused = [&](const std::string& cert, const std::string& key, const std::string& msg) {
    const std::string before = snapshot("sts.a.example");
    auto r = import_a(cert, key);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find(msg), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing changed"), std::string::npos) << r.err;
    EXPECT_EQ(snapshot("sts.a.example"), before);
  };

  // Refused 1: a key that is not the certificate's.
  refused("good.crt", "wrongname.key", "the private key does not match the certificate");
  // Refused 2: the certificate does not cover the hostname.
  refused("wrongname.crt", "wrongname.key",
          "the certificate does not cover the hostname sts.a.example");
  // Refused 3: expired (the test CA, last year).
  {
    auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
    ASSERT_TRUE(key);
    auto ca_key = crypto::read_private_key_pem(file("testca.key"));
    ASSERT_TRUE(ca_key) << ca_key.error();
    auto ca_cert = crypto::parse_certificate_pem(file("testca.pem"));
    ASSERT_TRUE(ca_cert) << ca_cert.error();
    crypto::CertRequest r;
    r.subject.common_name = "sts.a.example";
    r.dns_names = {"sts.a.example"};
    r.subject_key = key->get();
    r.issuer_key = ca_key->get();
    r.issuer_cert = ca_cert->get();
    const TimePoint now = std::chrono::system_clock::now();
    r.not_before = now - 24h * 400;
    r.not_after = now - 24h * 35;
    r.key_usage.digital_signature = true;
    r.extended_key_usage = crypto::ExtendedKeyUsage{.server_auth = true, .client_auth = false};
    auto expired = crypto::issue_certificate(r);
    ASSERT_TRUE(expired) << expired.error();
    std::ofstream(path("expired.crt")) << crypto::write_certificate_pem(expired->get()).value();
    std::ofstream(path("expired.key")) << crypto::write_private_key_pem(key->get())->view();
  }
  refused("expired.crt", "expired.key", "the certificate expired at");
  // Refused 4: an encrypted key (never a passphrase prompt).
  auto enc = run({"openssl", "pkey", "-in", path("good.key"), "-aes256", "-passout",
                  "pass:secret-pass", "-out", path("encrypted.key")});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  refused("good.crt", "encrypted.key", "the private key is encrypted");
  // Refused 5: RSA-1024.
  refused("weak.crt", "weak.key", "a server key must be RSA of at least 2048 bits");
  // Refused 6: not a key at all.
  refused("good.crt", "good.crt", "holds no PEM private key");
  EXPECT_NE(s_client().exit_code, 0);

  // Accepted: served by the same sts at once, verified against the test CA with SNI.
  auto ok = import_a("good.crt", "good.key");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("key ECDSA-P256"), std::string::npos) << ok.out;
  ProcessResult verified;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    verified = s_client();
    if (verified.exit_code == 0) break;
  }
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err << sts->log();
  EXPECT_EQ(sts->process().pid(), pid);
  // Stored: active, not self-signed, the chain leaf first then the root; the key sealed (export
  // opens it and it is the imported key); the pending CSR is still there.
  auto v = ctl_json({"server-cert", "show", "--hostname", "sts.a.example"});
  ASSERT_TRUE(v.is_object());
  EXPECT_FALSE(v.at("active").at("self_signed").as_bool());
  EXPECT_EQ(v.at("active").at("chain_length").as_int64(), 2);
  EXPECT_FALSE(v.at("pending").is_null());
  auto exported = ctl({"server-cert", "export", "--hostname", "sts.a.example", "--out",
                       path("a.p12"), "--passphrase-stdin"},
                      "passphrase-a\n");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto p12 = run({"openssl", "pkcs12", "-in", path("a.p12"), "-nocerts", "-nodes", "-passin",
                  "pass:passphrase-a"});
  ASSERT_EQ(p12.exit_code, 0) << p12.err;
  auto pub_exported = run({"openssl", "pkey", "-pubout"}, p12.out);
  auto pub_given = run({"openssl", "pkey", "-pubout", "-in", path("good.key")});
  EXPECT_EQ(pub_exported.out, pub_given.out);
  EXPECT_FALSE(pub_given.out.empty());
  auto audit = as_a({"audit", "list"});
  EXPECT_NE(audit.out.find("server-cert.import"), std::string::npos) << audit.out;

  // The default certificate with its key: the system tenant's administrator only, and it must
  // cover certmgr's --sts-hostname (localhost here).
  make_leaf("deflt", "DNS:localhost");
  ASSERT_FALSE(HasFatalFailure());
  const std::string before_default = snapshot("");
  auto by_a = as_a({"server-cert", "import", "--cert", path("deflt.crt"), "--key",
                    path("deflt.key")});
  EXPECT_EQ(by_a.exit_code, 1);
  EXPECT_NE(by_a.err.find("default server certificate is deployment-wide"), std::string::npos)
      << by_a.err;
  auto not_covering = ctl({"server-cert", "import", "--cert", path("good.crt"), "--key",
                           path("good.key")});
  EXPECT_EQ(not_covering.exit_code, 1);
  EXPECT_NE(not_covering.err.find("must cover certmgr's --sts-hostname"), std::string::npos)
      << not_covering.err;
  EXPECT_EQ(snapshot(""), before_default);
  auto by_sys = ctl({"server-cert", "import", "--cert", path("deflt.crt"), "--key",
                     path("deflt.key"), "--chain", path("testca.pem")});
  ASSERT_EQ(by_sys.exit_code, 0) << by_sys.err;
  ProcessResult default_ok;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    default_ok = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                      "-servername", "localhost", "-CAfile", path("testca.pem"),
                      "-verify_return_error", "-brief"},
                     "");
    if (default_ok.exit_code == 0) break;
  }
  EXPECT_EQ(default_ok.exit_code, 0) << default_ok.err;

  // The key is not stored in the clear.
  {
    pqxx::connection c(conninfo());
    pqxx::nontransaction tx(c);
    const pqxx::result rows = tx.exec(
        "SELECT private_key_ciphertext FROM server_certificates WHERE hostname = "
        "'sts.a.example' AND state = 'active'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].as<std::string>().find("PRIVATE KEY"), std::string::npos);
  }
  (void)sts->terminate();
}

}  // namespace
}  // namespace sigil::testing
