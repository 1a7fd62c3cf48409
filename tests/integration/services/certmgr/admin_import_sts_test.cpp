// A third-party certificate imported through certmgr's admin API (sigilctl signing-cert import
// --activate) is what a running sigil-sts signs the next token with, and xmlsec1 verifies that
// token with the imported certificate.

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "../../sigilctl/admin_env.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kWst[] = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

std::string issue_request(TimePoint created, const std::string& user, const std::string& password) {
  const std::string wsse =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
  const std::string wsu =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
  return "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Header>"
         "<wsse:Security xmlns:wsse=\"" + wsse + "\"><wsu:Timestamp xmlns:wsu=\"" + wsu +
         "\"><wsu:Created>" + format_time_ms(created) + "</wsu:Created><wsu:Expires>" +
         format_time_ms(created + 60s) + "</wsu:Expires></wsu:Timestamp><wsse:UsernameToken>"
         "<wsse:Username>" + user + "</wsse:Username><wsse:Password>" + password +
         "</wsse:Password>"
         "</wsse:UsernameToken></wsse:Security></S:Header><S:Body><RequestSecurityToken xmlns=\"" +
         std::string(kWst) + "\"><TokenType>urn:oasis:names:tc:SAML:2.0:assertion</TokenType>"
         "<RequestType>" + kWst + "/Issue</RequestType><KeyType>" + kWst +
         "/Bearer</KeyType><Lifetime><wsu:Created xmlns:wsu=\"" + wsu + "\">" +
         format_time_ms(created) + "</wsu:Created><wsu:Expires xmlns:wsu=\"" + wsu + "\">" +
         format_time_ms(created + 1h) + "</wsu:Expires></Lifetime></RequestSecurityToken>"
         "</S:Body></S:Envelope>";
}

class AdminImportSts : public AdminApiFixture {
 protected:
  // A bearer token from sts over WS-Trust ("" on failure).
  std::string issue(std::uint16_t port, const std::string& ca, const std::string& user = "alice",
                    const std::string& password = "Right-pass1") {
    std::ofstream(path("rst.xml"), std::ios::binary)
        << issue_request(std::chrono::system_clock::now(), user, password);
    auto res = run_process({"curl", "-sS", "--max-time", "20", "--cacert", ca, "-H",
                            "Content-Type: text/xml; charset=\"UTF-8\"", "-H",
                            "SOAPAction: " + std::string(kWst) + "/RST/Issue", "--data-binary",
                            "@" + path("rst.xml"),
                            "https://127.0.0.1:" + std::to_string(port) +
                                "/sts/STSService/vsphere.local"});
    if (!res || res->exit_code != 0) return {};
    auto b = res->out.find("<saml2:Assertion");
    auto e = res->out.find("</saml2:Assertion>");
    if (b == std::string::npos || e == std::string::npos) return {};
    return res->out.substr(b, e + 18 - b);
  }
};

TEST_F(AdminImportSts, AGoodImportSignsStsNextTokenAndXmlsec1VerifiesIt) {
  ASSERT_EQ(ctl({"user", "add", "alice", "--password-stdin"}, "Right-pass1\n").exit_code, 0);
  std::uint16_t port = 0;
  auto sts = start_sts("500", &port);
  ASSERT_TRUE(sts) << sts.error();
  const std::string sts_ca = path("sts") + "/tls/server.crt";
  std::string before;
  for (int i = 0; i < 100 && before.empty(); ++i, std::this_thread::sleep_for(100ms)) {
    before = issue(port, sts_ca);
  }
  ASSERT_FALSE(before.empty()) << sts->log();

  // An RSA-2048 third-party signing certificate.
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
  std::ofstream(path("partner.crt")) << crypto::write_certificate_pem(cert.get()).value();
  std::ofstream(path("partner.key")) << crypto::write_private_key_pem(key.get()).value().view();
  auto imported = ctl({"signing-cert", "import", "--cert", path("partner.crt"), "--key",
                       path("partner.key"), "--activate"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_NE(imported.out.find("imported: imported sk-"), std::string::npos) << imported.out;

  const std::string partner_b64 =
      crypto::base64_encode(crypto::write_certificate_der(cert.get()).value());
  std::string token;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    token = issue(port, sts_ca);
    if (token.find(partner_b64) != std::string::npos) break;
  }
  ASSERT_NE(token.find(partner_b64), std::string::npos) << "sts never signed with the import";
  std::ofstream(path("token.xml")) << token;
  auto verified = run_process({"xmlsec1", "--verify", "--pubkey-cert-pem", path("partner.crt"),
                               "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                               path("token.xml")});
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->exit_code, 0) << verified->out << verified->err;
  // ... and not with the certificate sts signed with before.
  std::ofstream(path("old.crt")) << file("tls/server.crt");
  auto wrong = run_process({"xmlsec1", "--verify", "--pubkey-cert-pem", path("old.crt"),
                            "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                            path("token.xml")});
  ASSERT_TRUE(wrong);
  EXPECT_NE(wrong->exit_code, 0);

  // A token sts issues to an administrator opens the admin API; one issued to alice does not.
  ASSERT_EQ(ctl({"user", "add", "Administrator", "--group", "Administrators", "--password-stdin"},
                "Admin-pass1\n")
                .exit_code,
            0);
  std::ofstream(path("admin.token")) << issue(port, sts_ca, "Administrator", "Admin-pass1");
  std::ofstream(path("alice.token")) << issue(port, sts_ca);
  const std::vector<std::string> no_cert = {"SIGIL_CLIENT_CERT=", "SIGIL_CLIENT_KEY="};
  auto listed = ctl({"--token-file", path("admin.token"), "signing-cert", "list"}, "", no_cert);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("third-party"), std::string::npos) << listed.out;
  auto refused = ctl({"--token-file", path("alice.token"), "signing-cert", "list"}, "", no_cert);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("is not a member of vsphere.local\\Administrators"),
            std::string::npos)
      << refused.err;
  (void)sts->terminate();
}

}  // namespace
}  // namespace sigil::testing
