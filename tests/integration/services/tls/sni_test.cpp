// Tenants with their own hostnames, picked by SNI: `sigilctl tenant create --hostname`,
// `sigilctl server-cert self-signed --hostname` for a tenant's FQDN and for a wildcard, and a
// running sigil-sts serving, per handshake, the exact hostname's certificate, else the wildcard
// covering the name, else the default one; a new certificate for a hostname is served by the same
// process (no restart). Certificates are compared by SHA-256 fingerprint.

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "../../sigilctl/admin_env.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class SniSelection : public AdminApiFixture {
 protected:
  // The SHA-256 fingerprint (openssl's "AA:BB:..." text) of the certificate sts presents for
  // `server_name`, or "" when the handshake fails.
  std::string served(std::uint16_t port, const std::string& server_name) {
    auto c = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                  "-servername", server_name},
                 "");
    const auto begin = c.out.find("-----BEGIN CERTIFICATE-----");
    const auto end = c.out.find("-----END CERTIFICATE-----");
    if (begin == std::string::npos || end == std::string::npos) return "";
    return fingerprint_of(c.out.substr(begin, end + 25 - begin) + "\n");
  }

  std::string fingerprint_of(const std::string& pem) {
    auto f = run({"openssl", "x509", "-noout", "-fingerprint", "-sha256"}, pem);
    if (f.exit_code != 0) return "";
    const auto eq = f.out.find('=');
    std::string fp = eq == std::string::npos ? "" : f.out.substr(eq + 1);
    while (!fp.empty() && (fp.back() == '\n' || fp.back() == '\r')) fp.pop_back();
    return fp;
  }

  // The fingerprint of the active certificate of `hostname` per certmgr, as openssl prints it.
  std::string active_fingerprint(const std::string& hostname) {
    auto v = ctl_json({"server-cert", "show", "--hostname", hostname});
    if (!v.is_object() || v.at("active").is_null()) return "";
    return fingerprint_of(std::string(v.at("active").at("pem").as_string()));
  }

  // Waits until `server_name` is served `want`; returns what it served last.
  std::string wait_served(std::uint16_t port, const std::string& server_name,
                          const std::string& want) {
    std::string got;
    for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
      got = served(port, server_name);
      if (got == want) break;
    }
    return got;
  }
};

TEST_F(SniSelection, ExactWildcardAndDefaultCertificatesBySniWithoutRestart) {
  // Tenants with hostnames: lower-cased; a hostname another tenant has is refused.
  auto t = ctl({"tenant", "create", "tenant-a", "--hostname", "A.Example.Test"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("hostname a.example.test"), std::string::npos) << t.out;
  auto dup = ctl({"tenant", "create", "tenant-b", "--hostname", "a.example.test"});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.err.find("belongs to tenant tenant-a"), std::string::npos) << dup.err;
  auto list = ctl({"tenant", "list"});
  EXPECT_EQ(list.out.find("tenant-b"), std::string::npos) << list.out;
  auto bad = ctl({"tenant", "create", "tenant-c", "--hostname", "bad_name!"});
  EXPECT_NE(bad.exit_code, 0);

  // Three certificates: the default, a.example.test's own, and *.wild.example.test.
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--cn", "localhost"}).exit_code, 0);
  auto own = ctl({"server-cert", "self-signed", "--hostname", "a.example.test"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  auto wild = ctl({"server-cert", "self-signed", "--hostname", "*.wild.example.test"});
  ASSERT_EQ(wild.exit_code, 0) << wild.err;
  const std::string fp_default = active_fingerprint("");
  const std::string fp_a = active_fingerprint("a.example.test");
  const std::string fp_wild = active_fingerprint("*.wild.example.test");
  ASSERT_FALSE(fp_default.empty());
  ASSERT_FALSE(fp_a.empty());
  ASSERT_FALSE(fp_wild.empty());
  EXPECT_NE(fp_default, fp_a);
  EXPECT_NE(fp_default, fp_wild);
  EXPECT_NE(fp_a, fp_wild);
  auto shown = ctl_json({"server-cert", "show", "--hostname", "*.wild.example.test"});
  ASSERT_TRUE(shown.is_object());
  EXPECT_EQ(shown.at("active").at("dns_names").as_array().size(), 1u);
  EXPECT_EQ(shown.at("active").at("dns_names").as_array()[0].as_string(), "*.wild.example.test");
  auto bad_host = ctl({"server-cert", "self-signed", "--hostname", "*"});
  EXPECT_NE(bad_host.exit_code, 0);

  std::uint16_t port = 0;
  auto sts = start_sts("60000", &port);
  ASSERT_TRUE(sts) << sts.error();
  const pid_t pid = sts->process().pid();

  EXPECT_EQ(served(port, "a.example.test"), fp_a) << sts->log();
  EXPECT_EQ(served(port, "A.EXAMPLE.TEST"), fp_a);
  EXPECT_EQ(served(port, "x.wild.example.test"), fp_wild);
  EXPECT_EQ(served(port, "y.wild.example.test"), fp_wild);
  // A wildcard covers one label only; unknown names get the default.
  EXPECT_EQ(served(port, "z.y.wild.example.test"), fp_default);
  EXPECT_EQ(served(port, "wild.example.test"), fp_default);
  EXPECT_EQ(served(port, "unknown.example.test"), fp_default);
  EXPECT_EQ(served(port, "localhost"), fp_default);

  // A new certificate for a.example.test: the next handshakes get it (NOTIFY; the poll interval
  // is a minute), the same pid; the others are unchanged.
  auto again = ctl({"server-cert", "self-signed", "--hostname", "a.example.test"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::string fp_a2 = active_fingerprint("a.example.test");
  ASSERT_FALSE(fp_a2.empty());
  EXPECT_NE(fp_a2, fp_a);
  EXPECT_EQ(wait_served(port, "a.example.test", fp_a2), fp_a2) << sts->log();
  EXPECT_EQ(served(port, "x.wild.example.test"), fp_wild);
  EXPECT_EQ(served(port, "unknown.example.test"), fp_default);
  EXPECT_EQ(sts->process().pid(), pid);
  EXPECT_TRUE(sts->process().running());
  EXPECT_NE(sts->log().find("hostname=a.example.test"), std::string::npos) << sts->log();

  // A new wildcard certificate too; and the default still swaps as before.
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--hostname", "*.wild.example.test"}).exit_code, 0);
  const std::string fp_wild2 = active_fingerprint("*.wild.example.test");
  EXPECT_EQ(wait_served(port, "q.wild.example.test", fp_wild2), fp_wild2);
  ASSERT_EQ(ctl({"server-cert", "self-signed", "--cn", "localhost"}).exit_code, 0);
  const std::string fp_default2 = active_fingerprint("");
  EXPECT_NE(fp_default2, fp_default);
  EXPECT_EQ(wait_served(port, "unknown.example.test", fp_default2), fp_default2);
  // The new default context keeps the SNI selection.
  EXPECT_EQ(served(port, "a.example.test"), fp_a2);
  EXPECT_EQ(served(port, "x.wild.example.test"), fp_wild2);
  EXPECT_EQ(sts->process().pid(), pid);

  auto audit = ctl({"audit", "list"});
  EXPECT_NE(audit.out.find("server-cert:a.example.test"), std::string::npos) << audit.out;
  (void)sts->terminate();
}

}  // namespace
}  // namespace sigil::testing
