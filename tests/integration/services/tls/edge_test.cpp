// Edge / DMZ mode (docs/edge.md) against a running sigil-sts: a client certificate forwarded by a
// trusted proxy (URL-encoded PEM, as nginx's $ssl_client_escaped_cert) logs a solution user in
// over the plain-HTTP --upstream-listen listener; the same header from a peer outside
// --trusted-proxies is refused with 400 and issues nothing, and the upstream listener closes
// connections from such peers at once. A client address a trusted proxy forwards
// (--client-address-header) is what the per-address password lockout counts.

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "../../sigilctl/admin_env.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kHeader[] = "X-SSL-Client-Cert";

std::string url_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class EdgeMode : public AdminApiFixture {
 protected:
  void SetUp() override {
    AdminApiFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                   path("svc.key"), "-out", path("svc.pem"), "-days", "30", "-subj", "/CN=svc"})
                  .exit_code,
              0);
    auto added = ctl({"solution-user", "add", "svc", "--cert", path("svc.pem")});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  void TearDown() override {
    if (sts_) (void)sts_->terminate();
    AdminApiFixture::TearDown();
  }

  void start_sts(const std::string& trusted, const std::vector<std::string>& extra = {}) {
    std::filesystem::create_directories(path("sts"));
    std::vector<std::string> args{"--db", conninfo(), "--home", path("sts"), "--master-key-file",
                                  path("master.key"), "--upstream-listen", "127.0.0.1:0",
                                  "--trusted-proxies", trusted, "--client-cert-header", kHeader};
    args.insert(args.end(), extra.begin(), extra.end());
    auto sts = RunningService::start(sts_binary(), args);
    ASSERT_TRUE(sts) << sts.error();
    sts_.emplace(std::move(*sts));
    std::optional<std::uint16_t> main, upstream;
    for (int i = 0; i < 400 && !(main && upstream); ++i, std::this_thread::sleep_for(25ms)) {
      main = listener_port(sts_->log(), "main");
      upstream = listener_port(sts_->log(), "upstream");
    }
    ASSERT_TRUE(main && upstream) << sts_->log();
    main_port_ = *main;
    upstream_port_ = *upstream;
  }

  // POST {"grant":"client_certificate"} (or `grant`) to `url` with curl and `extra` options; the
  // HTTP status (0 when curl got no answer) and the body.
  std::pair<int, std::string> issue(const std::string& url, std::vector<std::string> extra,
                                    const std::string& grant = R"({"grant":"client_certificate"})") {
    std::filesystem::remove(path("reply.body"));
    std::vector<std::string> argv{"curl",
                                  "-sS",
                                  "--max-time",
                                  "20",
                                  "-o",
                                  path("reply.body"),
                                  "-w",
                                  "%{http_code}",
                                  "-H",
                                  "Content-Type: application/json",
                                  "--data-binary",
                                  grant};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url + "/api/v1/tenants/vsphere.local/tokens");
    auto r = run(argv);
    return {std::atoi(r.out.c_str()), file("reply.body")};
  }
  std::string upstream_url() const { return "http://127.0.0.1:" + std::to_string(upstream_port_); }
  std::string main_url() const { return "https://127.0.0.1:" + std::to_string(main_port_); }
  std::string forwarded() { return std::string(kHeader) + ": " + url_encode(file("svc.pem")); }

  double tokens_issued() {
    auto r = run({"curl", "-sS", "--max-time", "10", sts_->base_url() + "/metrics"});
    double sum = 0;
    for (const std::string& line : lines(r.out)) {
      if (line.rfind("sigil_tokens_issued_total{", 0) == 0) {
        sum += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return sum;
  }

  std::optional<RunningService> sts_;
  std::uint16_t main_port_ = 0;
  std::uint16_t upstream_port_ = 0;
};

TEST_F(EdgeMode, ForwardedCertificateFromTrustedProxyLogsIn) {
  start_sts("127.0.0.1/32");
  if (HasFatalFailure()) return;
  auto [status, body] = issue(upstream_url(), {"-H", forwarded()});
  EXPECT_EQ(status, 200) << body << sts_->log();
  EXPECT_NE(body.find("\"token\""), std::string::npos) << body;
  EXPECT_EQ(tokens_issued(), 1.0);

  // From the proxy, no header means no client certificate; a header that is not a PEM
  // certificate is refused.
  auto [none, none_body] = issue(upstream_url(), {});
  EXPECT_EQ(none, 401) << none_body;
  auto [junk, junk_body] = issue(upstream_url(), {"-H", std::string(kHeader) + ": %2D%2Dnot-pem"});
  EXPECT_EQ(junk, 400) << junk_body;
  EXPECT_EQ(tokens_issued(), 1.0);
}

TEST_F(EdgeMode, HeaderFromUntrustedPeerFailsWith400AndIssuesNothing) {
  start_sts("10.0.0.0/8");
  if (HasFatalFailure()) return;
  const std::string ca = path("sts/tls/server.crt");
  // Straight to the HTTPS listener from 127.0.0.1, which is no trusted proxy.
  auto [status, body] = issue(main_url(), {"--cacert", ca, "-H", forwarded()});
  EXPECT_EQ(status, 400) << body;
  EXPECT_NE(body.find("\"error\":\"malformed_request\""), std::string::npos) << body;
  EXPECT_NE(body.find("accepted only from a trusted proxy"), std::string::npos) << body;
  // Not even with the genuine certificate in the TLS handshake: the header is never ignored.
  auto [both, both_body] = issue(main_url(), {"--cacert", ca, "--cert", path("svc.pem"), "--key",
                                              path("svc.key"), "-H", forwarded()});
  EXPECT_EQ(both, 400) << both_body;
  EXPECT_EQ(tokens_issued(), 0.0);
  EXPECT_NE(sts_->log().find("event=edge.forwarded_cert_refused"), std::string::npos);

  // The upstream listener closes the connection at once.
  auto [closed, closed_body] = issue(upstream_url(), {"-H", forwarded()});
  EXPECT_EQ(closed, 0) << closed_body;
  EXPECT_NE(sts_->log().find("event=http.connection.refused listener=upstream"), std::string::npos)
      << sts_->log();
  EXPECT_EQ(tokens_issued(), 0.0);

  // Plain mutual TLS without the header still works.
  auto [mtls, mtls_body] =
      issue(main_url(), {"--cacert", ca, "--cert", path("svc.pem"), "--key", path("svc.key")});
  EXPECT_EQ(mtls, 200) << mtls_body;
  EXPECT_EQ(tokens_issued(), 1.0);
}

TEST_F(EdgeMode, LockoutCountsTheClientAddressTheTrustedProxyForwards) {
  start_sts("127.0.0.1/32", {"--client-address-header", "X-Real-IP"});
  if (HasFatalFailure()) return;
  auto added = ctl({"user", "add", "alice", "--password-stdin"}, "Right-pass1\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto login = [&](const std::string& password, const std::string& client) {
    std::vector<std::string> extra;
    if (!client.empty()) extra = {"-H", "X-Real-IP: " + client};
    return issue(upstream_url(), extra,
                 R"({"grant":"password","username":"alice","password":")" + password + R"("})")
        .first;
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("guess", "192.0.2.66"), 401);
  EXPECT_EQ(login("Right-pass1", "192.0.2.66"), 401) << "locked for the attacker's address";
  EXPECT_EQ(login("Right-pass1", "198.51.100.1"), 200) << sts_->log();
  EXPECT_EQ(login("Right-pass1", ""), 200) << "the proxy's own address is not locked either";
  EXPECT_NE(sts_->log().find("source=192.0.2.66"), std::string::npos) << sts_->log();
  EXPECT_EQ(login("Right-pass1", "not-an-address"), 400);
}

}  // namespace
}  // namespace sigil::testing
