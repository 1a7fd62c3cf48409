// Attacks on sts's HTTPS listener itself (docs/security.md "Connection exhaustion", "HTTP
// framing", "Text in tokens"), against a running sigil-sts with small, test-sized limits:
//   --max-connections 40 --max-connections-per-address 8 --pressure-percent 75
//   --pressure-timeout-ms 1500
// Floods come from 127.0.0.2.. (other hosts, to the server); the rightful client is curl from
// 127.0.0.1, and each refusal is paired with its request succeeding.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "flood_client.hpp"
#include "service_process.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/http/client.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class StsHttpHardening : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::create("sigil-http-hardening-");
    ASSERT_TRUE(dir) << dir.error();
    dir_ = new TempDir(std::move(*dir));
    db_ = new std::string(PgEnvironment::instance().fresh_database());
    auto sts = RunningService::start(
        sts_binary(), {"--db", *db_, "--max-connections", "40", "--max-connections-per-address",
                       "8", "--pressure-percent", "75", "--pressure-timeout-ms", "1500"});
    ASSERT_TRUE(sts) << sts.error();
    sts_ = new RunningService(std::move(*sts));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 100 && !port; ++i, std::this_thread::sleep_for(100ms)) {
      port = listener_port(sts_->log(), "main");
    }
    ASSERT_TRUE(port) << sts_->log();
    port_ = *port;
    std::string log = sts_->log();
    auto at = log.find("event=tls.self_signed_created path=");
    ASSERT_NE(at, std::string::npos) << log;
    std::string crt = log.substr(at + 35, log.find(' ', at + 35) - at - 35);
    home_ = new std::string(crt.substr(0, crt.size() - std::string("/tls/server.crt").size()));
    ASSERT_EQ(run({sigilctl_binary(), "tenant", "create", "vsphere.local"}).exit_code, 0);
    ASSERT_EQ(run({sigilctl_binary(), "user", "add", "alice", "--password-stdin"}, "Right-pass1\n")
                  .exit_code,
              0);
  }
  static void TearDownTestSuite() {
    delete sts_;
    delete home_;
    delete db_;
    delete dir_;
    sts_ = nullptr;
    home_ = nullptr;
    db_ = nullptr;
    dir_ = nullptr;
  }

  static ProcessResult run(std::vector<std::string> argv, std::string stdin_data = {}) {
    ProcessOptions o;
    o.env = {"SIGIL_DB=" + *db_, "SIGIL_HOME=" + (home_ ? *home_ : std::string())};
    o.stdin_data = std::move(stdin_data);
    o.timeout = 60s;
    auto r = run_process(argv, o);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  struct Answer {
    int status = 0;
    std::string body;
  };
  // POSTs a JSON body to the tenant's tokens endpoint with curl, from 127.0.0.1.
  static Answer issue(const std::string& json) {
    const std::string body_file = (dir_->path() / "req.json").string();
    const std::string out_file = (dir_->path() / "resp.json").string();
    std::ofstream(body_file, std::ios::binary) << json;
    std::filesystem::remove(out_file);
    auto r = run({"curl", "-sS", "--max-time", "20", "--interface", "127.0.0.1", "--cacert",
                  *home_ + "/tls/server.crt", "-H", "Content-Type: application/json",
                  "--data-binary", "@" + body_file, "-o", out_file, "-w", "%{http_code}",
                  "https://127.0.0.1:" + std::to_string(port_) +
                      "/api/v1/tenants/vsphere.local/tokens"});
    Answer a;
    a.status = std::atoi(r.out.c_str());
    std::ifstream in(out_file, std::ios::binary);
    a.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return a;
  }
  static Answer issue_for_alice(const std::string& extra = "") {
    return issue(R"({"grant":"password","username":"alice","password":"Right-pass1")" + extra +
                 "}");
  }
  static void expect_alice_gets_a_token() {
    Answer a = issue_for_alice();
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_NE(a.body.find("\"token\""), std::string::npos) << a.body;
  }

  // Sum of the samples of `family` on /metrics whose line contains `label`.
  static double metric(const std::string& family, const std::string& label = "") {
    auto m = http::get(sts_->base_url() + "/metrics");
    EXPECT_TRUE(m) << m.error();
    if (!m) return -1;
    double sum = 0;
    std::istringstream in(m->body);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(family, 0) != 0 || line.find(label) == std::string::npos) continue;
      if (line.size() > family.size() && line[family.size()] != '{' && line[family.size()] != ' ') {
        continue;
      }
      sum += std::atof(line.substr(line.rfind(' ') + 1).c_str());
    }
    return sum;
  }

  static RawExchange send_raw(const std::string& bytes) { return tls_exchange(port_, bytes); }

  static inline TempDir* dir_ = nullptr;
  static inline std::string* db_ = nullptr;
  static inline std::string* home_ = nullptr;
  static inline RunningService* sts_ = nullptr;
  static inline std::uint16_t port_ = 0;
};

TEST_F(StsHttpHardening, IdleFloodFromOneAddressDoesNotLockOutAnotherAddress) {
  const double refused_before =
      metric("sigil_http_connections_rejected_total", "reason=\"per_address_limit\"");
  Flood flood(port_);
  ASSERT_EQ(flood.open("127.0.0.2", 30), 30);  // TCP only, never a ClientHello
  EXPECT_EQ(flood.closed_within(1000ms), 22);  // over the 8 one address may hold: closed at once
  EXPECT_EQ(flood.open_count(), 8);
  expect_alice_gets_a_token();  // from 127.0.0.1, while the flood holds its share
  EXPECT_EQ(flood.closed_within(200ms), 0);  // the flood's 8 were not touched for her
  EXPECT_GE(metric("sigil_http_connections_rejected_total", "reason=\"per_address_limit\"") -
                refused_before,
            22);
  flood.close_all();
  std::this_thread::sleep_for(500ms);  // the server sees the closes before the next test floods
}

TEST_F(StsHttpHardening, HandshakelessConnectionsAreReclaimedUnderPressure) {
  const double shed_before = metric("sigil_http_connections_shed_total", "listener=\"main\"");
  const double pressure_before = metric("sigil_http_pressure_timeouts_total", "listener=\"main\"");
  Flood flood(port_);
  const auto start = std::chrono::steady_clock::now();
  for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}) {
    ASSERT_EQ(flood.open(source, 8), 8);  // 40 in all: the listener's whole capacity
  }
  EXPECT_EQ(flood.closed_within(300ms), 0);  // all admitted, none sent a ClientHello
  expect_alice_gets_a_token();               // at the cap: an idle connection gave its slot
  EXPECT_GE(metric("sigil_http_connections_shed_total", "listener=\"main\"") - shed_before, 1);
  // Under pressure the handshake deadline is 1.5 s instead of 10 s: the rest go too.
  EXPECT_GE(flood.closed_within(5000ms), 38);
  EXPECT_EQ(flood.open_count(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
  EXPECT_GE(metric("sigil_http_pressure_timeouts_total", "listener=\"main\"") - pressure_before,
            30);
  expect_alice_gets_a_token();
}

TEST_F(StsHttpHardening, SlowRequestBodiesAreCutUnderPressure) {
  const double pressure_before = metric("sigil_http_pressure_timeouts_total", "listener=\"main\"");
  // Each connection finishes its handshake and header, then owes 99,999 body bytes it never
  // sends: in a request, so never shed; only the body deadline (30 s, 1.5 s under pressure)
  // frees its slot.
  const std::string slow_body =
      "POST /api/v1/tenants/vsphere.local/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
  Flood flood(port_);
  const auto start = std::chrono::steady_clock::now();
  for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}) {
    ASSERT_EQ(flood.open_busy_tls(source, 8, slow_body), 8);  // 40: the whole capacity
  }
  EXPECT_GE(flood.closed_within(6000ms), 38);  // not after the 30 s body deadline
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_GE(metric("sigil_http_pressure_timeouts_total", "listener=\"main\"") - pressure_before,
            30);
  flood.close_all();
  std::this_thread::sleep_for(300ms);
  expect_alice_gets_a_token();
}

// A request whose framing sts refuses, followed by a request smuggled in its "body".
std::string smuggle(const std::string& transfer_encoding_lines) {
  return "POST /api/v1/tenants/vsphere.local/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/json\r\n" +
         transfer_encoding_lines +
         "\r\nGET /api/v1/tenants/vsphere.local/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

TEST_F(StsHttpHardening, TransferEncodingOtherThanChunkedIsRefusedAndClosesTheConnection) {
  struct Case {
    std::string lines;
    std::string status;
  };
  const std::vector<Case> cases = {
      {"Transfer-Encoding: gzip\r\n", "501"},
      {"Transfer-Encoding: gzip, chunked\r\n", "501"},
      {"Transfer-Encoding: xchunked\r\n", "400"},
      {"Transfer-Encoding:\tchunked\r\n", "400"},
      {"Transfer-Encoding: chunked\t\r\n", "400"},
      {"Transfer-Encoding: gzip,\r\n chunked\r\n", "400"},
      {"Transfer-Encoding:\r\n chunked\r\n", "400"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.lines);
    RawExchange x = send_raw(smuggle(c.lines));
    EXPECT_EQ(x.received.rfind("HTTP/1.1 " + c.status + " ", 0), 0u) << x.received;
    EXPECT_NE(x.received.find("Connection: close"), std::string::npos) << x.received;
    EXPECT_EQ(count_responses(x.received), 1) << "the smuggled request was answered";
    EXPECT_TRUE(x.closed);
  }
  // The rightful chunked request is still served.
  const std::string json = R"({"grant":"password","username":"alice","password":"Right-pass1"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", json.size());
  RawExchange ok = send_raw(
      "POST /api/v1/tenants/vsphere.local/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      std::string(size) + "\r\n" + json + "\r\n0\r\n\r\n");
  EXPECT_EQ(ok.received.rfind("HTTP/1.1 200 ", 0), 0u) << ok.received;
  EXPECT_NE(ok.received.find("\"token\""), std::string::npos);
}

TEST_F(StsHttpHardening, AudienceWithCharactersXmlCannotCarryIsRefusedAndNothingIsIssued) {
  const double issued = metric("sigil_tokens_issued_total");
  for (const char* audience : {"urn:vc\\u0000x", "urn:vc\\u0001", "urn:vc\\uFFFE", "\\u001Burn"}) {
    SCOPED_TRACE(audience);
    Answer a = issue_for_alice(std::string(R"(,"audience":")") + audience + "\"");
    EXPECT_EQ(a.status, 400) << a.body;
    EXPECT_NE(a.body.find("malformed_request"), std::string::npos) << a.body;
    EXPECT_EQ(a.body.find("\"token\""), std::string::npos) << a.body;
  }
  EXPECT_EQ(metric("sigil_tokens_issued_total"), issued);
  Answer ok = issue_for_alice(R"(,"audience":"urn:vc:tab\tand \u00c4")");
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto token = boost::json::parse(ok.body).as_object().at("token").as_string();
  auto xml = crypto::base64_decode(std::string(token));
  ASSERT_TRUE(xml);
  const std::string assertion(xml->begin(), xml->end());
  EXPECT_NE(assertion.find("<saml2:Audience>urn:vc:tab\tand \xC3\x84</saml2:Audience>"),
            std::string::npos)
      << assertion;
}

}  // namespace
}  // namespace sigil::testing
