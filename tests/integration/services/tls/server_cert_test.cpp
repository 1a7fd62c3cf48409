// The default HTTPS server certificate end to end: sigilctl server-cert csr -> a test CA made
// with the openssl CLI signs it -> sigilctl server-cert import -> the running sigil-sts (same
// pid, no restart) serves the CA-signed certificate, which `openssl s_client -CAfile testca.pem`
// verifies. Imports for another key, for another hostname and of an expired certificate are
// refused with a precise error and change nothing.

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "../../sigilctl/admin_env.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class ServerCertLifecycle : public AdminApiFixture {
 protected:
  // `openssl s_client` against sts, verifying against `ca` with the SNI name localhost.
  ProcessResult s_client(std::uint16_t port, const std::string& ca) {
    return run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                "-servername", "localhost", "-CAfile", ca, "-verify_return_error", "-brief"},
               "");
  }

  // Signs `csr` with the test CA, with subjectAltName `san` and serverAuth.
  ProcessResult sign(const std::string& csr, const std::string& san, const std::string& out) {
    std::ofstream(path("ext.cnf")) << "subjectAltName=" << san
                                   << "\nextendedKeyUsage=serverAuth\n"
                                      "keyUsage=critical,digitalSignature\n";
    return run({"openssl", "x509", "-req", "-in", csr, "-CA", path("testca.pem"), "-CAkey",
                path("testca.key"), "-CAcreateserial", "-days", "30", "-extfile", path("ext.cnf"),
                "-out", out});
  }

  // The active certificate's SHA-256 ("-" when none) and whether a CSR is pending.
  std::pair<std::string, bool> state() {
    auto v = ctl_json({"server-cert", "show"});
    if (!v.is_object()) return {"?", false};
    const auto& active = v.at("active");
    std::string fp =
        active.is_null() ? "-" : std::string(active.at("sha256_fingerprint").as_string());
    return {fp, !v.at("pending").is_null()};
  }
};

TEST_F(ServerCertLifecycle, CsrSignImportIsServedBySameStsAndBadImportsChangeNothing) {
  std::uint16_t port = 0;
  auto sts = start_sts("500", &port);
  ASSERT_TRUE(sts) << sts.error();
  const pid_t pid = sts->process().pid();

  // A test CA, made with the openssl CLI.
  auto ca = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("testca.key"), "-out",
                 path("testca.pem"), "-subj", "/CN=Sigil Test CA", "-days", "30", "-addext",
                 "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign"});
  ASSERT_EQ(ca.exit_code, 0) << ca.err;
  // Before: sts serves its HOME/tls self-signed certificate, which the test CA did not sign.
  EXPECT_NE(s_client(port, path("testca.pem")).exit_code, 0);
  EXPECT_EQ(state(), std::make_pair(std::string("-"), false));

  auto csr = ctl({"server-cert", "csr", "--cn", "localhost", "--country", "US", "--out",
                  path("req.csr")});
  ASSERT_EQ(csr.exit_code, 0) << csr.err;
  EXPECT_NE(csr.out.find("CN=localhost"), std::string::npos) << csr.out;
  auto csr_text = run({"openssl", "req", "-in", path("req.csr"), "-noout", "-text", "-verify"});
  ASSERT_EQ(csr_text.exit_code, 0) << csr_text.err;
  EXPECT_NE(csr_text.out.find("DNS:localhost"), std::string::npos) << csr_text.out;
  EXPECT_NE(csr_text.out.find("C = US"), std::string::npos) << csr_text.out;
  EXPECT_EQ(state(), std::make_pair(std::string("-"), true));

  // Refused 1: a certificate for another key (a CSR made by openssl, not by certmgr).
  auto other = run({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("other.key"), "-out",
                    path("other.csr"), "-subj", "/CN=localhost"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  ASSERT_EQ(sign(path("other.csr"), "DNS:localhost", path("other.crt")).exit_code, 0);
  auto refused = ctl({"server-cert", "import", "--cert", path("other.crt")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("not for the pending CSR's key"), std::string::npos) << refused.err;
  EXPECT_EQ(state(), std::make_pair(std::string("-"), true));

  // Refused 2: the right key, the wrong hostname.
  ASSERT_EQ(sign(path("req.csr"), "DNS:other.example.com", path("wrongname.crt")).exit_code, 0);
  refused = ctl({"server-cert", "import", "--cert", path("wrongname.crt")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("does not cover the hostname localhost"), std::string::npos)
      << refused.err;
  EXPECT_EQ(state(), std::make_pair(std::string("-"), true));

  // Refused 3: the right key and name, but expired (issued by the same CA for last year).
  {
    std::ifstream in(path("req.csr"));
    std::stringstream ss;
    ss << in.rdbuf();
    auto req = crypto::parse_csr_pem(ss.str());
    ASSERT_TRUE(req) << req.error();
    std::ifstream kin(path("testca.key"));
    std::stringstream ks;
    ks << kin.rdbuf();
    auto ca_key = crypto::read_private_key_pem(ks.str());
    ASSERT_TRUE(ca_key) << ca_key.error();
    auto ca_cert = crypto::parse_certificate_pem(file("testca.pem"));
    ASSERT_TRUE(ca_cert) << ca_cert.error();
    crypto::CertRequest r;
    r.subject.common_name = "localhost";
    r.dns_names = {"localhost"};
    r.subject_key = X509_REQ_get0_pubkey(req->get());
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
  }
  refused = ctl({"server-cert", "import", "--cert", path("expired.crt")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("the certificate expired at"), std::string::npos) << refused.err;
  EXPECT_EQ(state(), std::make_pair(std::string("-"), true));
  // Still the old certificate on the wire.
  EXPECT_NE(s_client(port, path("testca.pem")).exit_code, 0);

  // The good one: signed by the test CA for the CSR's key and name, with the CA as chain.
  ASSERT_EQ(sign(path("req.csr"), "DNS:localhost", path("good.crt")).exit_code, 0);
  auto imported = ctl({"server-cert", "import", "--cert", path("good.crt"), "--chain",
                       path("testca.pem")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("CN=Sigil Test CA"), std::string::npos) << imported.out;
  auto [fp, pending] = state();
  EXPECT_NE(fp, "-");
  EXPECT_FALSE(pending);

  // The running sts switches without a restart.
  ProcessResult verified;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    verified = s_client(port, path("testca.pem"));
    if (verified.exit_code == 0) break;
  }
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err << sts->log();
  EXPECT_NE((verified.out + verified.err).find("Verification: OK"), std::string::npos)
      << verified.out << verified.err;
  EXPECT_EQ(sts->process().pid(), pid);
  EXPECT_TRUE(sts->process().running());
  EXPECT_NE(sts->log().find("event=server_cert.loaded"), std::string::npos) << sts->log();

  // Disaster-recovery export: a PKCS#12 openssl opens with the passphrase.
  auto exported = ctl({"server-cert", "export", "--out", path("server.p12"), "--passphrase-stdin"},
                      "Export-pass1\n");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto p12 = run({"openssl", "pkcs12", "-in", path("server.p12"), "-passin", "pass:Export-pass1",
                  "-nokeys", "-clcerts"});
  ASSERT_EQ(p12.exit_code, 0) << p12.err;
  EXPECT_NE(p12.out.find("CN = localhost"), std::string::npos) << p12.out;

  // Replace at any time: a new self-signed certificate; the test CA no longer verifies sts.
  auto self_signed = ctl({"server-cert", "self-signed", "--cn", "localhost", "--country", "DE"});
  ASSERT_EQ(self_signed.exit_code, 0) << self_signed.err;
  int rc = 0;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    rc = s_client(port, path("testca.pem")).exit_code;
    if (rc != 0) break;
  }
  EXPECT_NE(rc, 0);
  auto audit = ctl({"audit", "list"});
  EXPECT_NE(audit.out.find("server-cert.import"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("server-cert.export"), std::string::npos) << audit.out;
  EXPECT_EQ(sts->process().pid(), pid);
  (void)sts->terminate();
}

}  // namespace
}  // namespace sigil::testing
