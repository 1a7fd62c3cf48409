// Attacks and mistakes sent over HTTPS to a running sigil-sts (real PostgreSQL, real TLS, curl as
// the client): each gets its precise SOAP fault or status, and afterwards the same server still
// issues a token for a valid request.
#include <gtest/gtest.h>

#include <fstream>

#include "service_process.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kWst[] = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

std::string bearer_request(const std::string& user, const std::string& password,
                           TimePoint created, std::string_view prolog = "") {
  std::string wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
  std::string wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
  return std::string(prolog) +
         "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Header><wsse:Security "
         "xmlns:wsse=\"" + wsse + "\"><wsu:Timestamp xmlns:wsu=\"" + wsu + "\" wsu:Id=\"_ts\"><wsu:Created>" +
         format_time_ms(created) + "</wsu:Created><wsu:Expires>" + format_time_ms(created + 60s) +
         "</wsu:Expires></wsu:Timestamp><wsse:UsernameToken><wsse:Username>" + user +
         "</wsse:Username><wsse:Password>" + password +
         "</wsse:Password></wsse:UsernameToken></wsse:Security></S:Header><S:Body>"
         "<RequestSecurityToken xmlns=\"" + kWst + "\"><TokenType>urn:oasis:names:tc:SAML:2.0:assertion"
         "</TokenType><RequestType>" + kWst + "/Issue</RequestType><KeyType>" + kWst +
         "/Bearer</KeyType></RequestSecurityToken></S:Body></S:Envelope>";
}

class WsTrustOverHttps : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::create("sigil-wsfaults-");
    ASSERT_TRUE(dir) << dir.error();
    dir_ = new TempDir(std::move(*dir));
    db_ = new std::string(PgEnvironment::instance().fresh_database());
    auto sts = RunningService::start(sts_binary(), {"--db", *db_});
    ASSERT_TRUE(sts) << sts.error();
    sts_ = new RunningService(std::move(*sts));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 50 && !port; ++i, std::this_thread::sleep_for(100ms)) {
      port = listener_port(sts_->log(), "main");
    }
    ASSERT_TRUE(port) << sts_->log();
    port_ = *port;
    // The tenant and its user, written with sigilctl against the same database and home.
    home_ = new std::string(sts_home());
    ProcessOptions o;
    o.env = {"SIGIL_DB=" + *db_, "SIGIL_HOME=" + *home_};
    ASSERT_EQ(run_process({sigilctl_binary(), "tenant", "create", "vsphere.local"}, o)->exit_code, 0);
    o.stdin_data = "Right-pass1\n";
    ASSERT_EQ(run_process({sigilctl_binary(), "user", "add", "alice", "--password-stdin"}, o)->exit_code, 0);
  }
  static void TearDownTestSuite() {
    delete sts_;
    delete home_;
    delete db_;
    delete dir_;
  }
  // The --home RunningService gave sts: where its master key and TLS certificate are.
  static std::string sts_home() {
    std::string log = sts_->log();
    auto at = log.find("event=tls.self_signed_created path=");
    std::string path = log.substr(at + 35, log.find(' ', at + 35) - at - 35);
    return path.substr(0, path.size() - std::string("/tls/server.crt").size());
  }

  struct Answer {
    int status = 0;
    std::string body;
  };
  // POSTs `body` with curl (a third-party HTTPS client) and returns status and body.
  Answer post(const std::string& body, const std::string& tenant = "vsphere.local",
              const std::string& action = std::string(kWst) + "/RST/Issue") {
    std::ofstream(dir_->path() / "req.xml", std::ios::binary) << body;
    ProcessOptions o;
    o.timeout = 30s;
    auto r = run_process({"curl", "-sS", "--max-time", "20", "--cacert", *home_ + "/tls/server.crt",
                          "-H", "Content-Type: text/xml; charset=\"UTF-8\"", "-H", "SOAPAction: " + action,
                          "--data-binary", "@" + (dir_->path() / "req.xml").string(), "-w", "\n%{http_code}",
                          "https://127.0.0.1:" + std::to_string(port_) + "/sts/STSService/" + tenant},
                         o);
    EXPECT_TRUE(r) << r.error();
    Answer a;
    auto nl = r->out.rfind('\n');
    a.status = std::atoi(r->out.substr(nl + 1).c_str());
    a.body = r->out.substr(0, nl);
    return a;
  }
  static void expect_fault(const Answer& a, std::string_view code) {
    EXPECT_EQ(a.status, 500) << a.body;
    EXPECT_NE(a.body.find(std::string(">ns0:") + std::string(code) + "</faultcode>"), std::string::npos)
        << a.body;
  }

  static TempDir* dir_;
  static std::string* db_;
  static std::string* home_;
  static RunningService* sts_;
  static std::uint16_t port_;
};
TempDir* WsTrustOverHttps::dir_ = nullptr;
std::string* WsTrustOverHttps::db_ = nullptr;
std::string* WsTrustOverHttps::home_ = nullptr;
RunningService* WsTrustOverHttps::sts_ = nullptr;
std::uint16_t WsTrustOverHttps::port_ = 0;

TEST_F(WsTrustOverHttps, EachAttackGetsItsFaultAndTheServerKeepsIssuing) {
  auto now = std::chrono::system_clock::now();
  // Wrong password and unknown user: one fault, one text.
  Answer wrong = post(bearer_request("alice", "wrong", now));
  Answer unknown = post(bearer_request("mallory", "wrong", now));
  expect_fault(wrong, "FailedAuthentication");
  EXPECT_EQ(wrong.body, unknown.body);
  // A DOCTYPE (entity expansion, XXE) never reaches a parser that would expand it.
  expect_fault(post(bearer_request("alice", "&x;", now,
                                   "<!DOCTYPE S:Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>")),
               "InvalidRequest");
  // Malformed XML, and a request that is not SOAP.
  expect_fault(post("<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"), "InvalidRequest");
  expect_fault(post("{\"grant\":\"password\"}"), "InvalidRequest");
  // A request Timestamp from an hour ago (beyond the 10 minute tolerance).
  expect_fault(post(bearer_request("alice", "Right-pass1", now - 1h)), "MessageExpired");
  // RequestType Issue under a Renew SOAPAction.
  expect_fault(post(bearer_request("alice", "Right-pass1", now), "vsphere.local",
                    std::string(kWst) + "/RST/Renew"),
               "InvalidRequest");
  // Unknown tenant: a bare 404, as vCenter.
  EXPECT_EQ(post(bearer_request("alice", "Right-pass1", now), "nosuch.local").status, 404);
  // Oversized body: refused before it is read.
  EXPECT_EQ(post(std::string(2 << 20, 'x')).status, 413);

  // The same server still issues, and the token validates; a modified copy does not.
  Answer ok = post(bearer_request("alice@vsphere.local", "Right-pass1", now));
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto b = ok.body.find("<saml2:Assertion");
  auto e = ok.body.find("</saml2:Assertion>") + 18;
  std::string token = ok.body.substr(b, e - b);
  auto validate = [&](const std::string& t) {
    return post("<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
                "<RequestSecurityToken xmlns=\"" + std::string(kWst) + "\"><TokenType>" + kWst +
                    "/RSTR/Status</TokenType><RequestType>" + kWst + "/Validate</RequestType>"
                    "<ValidateTarget>" + t + "</ValidateTarget></RequestSecurityToken></S:Body></S:Envelope>",
                "vsphere.local", std::string(kWst) + "/RST/Validate");
  };
  EXPECT_NE(validate(token).body.find("/status/valid<"), std::string::npos);
  std::string forged = token;
  forged.replace(forged.find("alice@"), 6, "admin@");
  Answer bad = validate(forged);
  EXPECT_EQ(bad.status, 200);
  EXPECT_NE(bad.body.find("/status/invalid<"), std::string::npos) << bad.body;
  EXPECT_TRUE(sts_->process().running());
}

}  // namespace
}  // namespace sigil::testing
