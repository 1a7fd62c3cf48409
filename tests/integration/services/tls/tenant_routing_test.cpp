// Routing requests to tenants by TLS SNI name and Host header (docs/tls.md, "Routing requests to
// tenants") against a running sigil-sts, with curl as the client: tenant-less paths follow the
// Host header, and the SNI name through a wildcard certificate serving two tenants; a path that
// names another tenant than the SNI name / Host is refused (421 on REST, a SOAP fault on WS-Trust)
// and issues nothing; a hostname added with `sigilctl tenant hostname add` routes at once, same
// pid. Tenants are told apart by the `tenant` field of GET .../signing-certs.

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "../../sigilctl/admin_env.hpp"

#include "sigil/base/clock.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kHostA[] = "a.tokens.example.test";
constexpr char kHostB[] = "b.tokens.example.test";

struct Reply {
  int status = 0;
  std::string body;
  boost::json::object json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }
  std::string field(const char* name) const {
    auto o = json();
    return o.contains(name) && o.at(name).is_string() ? std::string(o.at(name).as_string()) : "";
  }
};

class TenantRouting : public AdminApiFixture {
 protected:
  // Tenants tenant-a (hostname a.tokens.example.test, user alice) and tenant-b (hostname
  // b.tokens.example.test, user bob), then a running sts.
  void start_sts(const std::string& poll_interval_ms = "60000") {
    auto a = ctl({"tenant", "create", "tenant-a", "--hostname", kHostA});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    auto b = ctl({"tenant", "create", "tenant-b", "--hostname", "B.Tokens.Example.Test."});
    ASSERT_EQ(b.exit_code, 0) << b.err;
    ASSERT_EQ(
        ctl({"user", "add", "alice", "--tenant", "tenant-a", "--password-stdin"}, "Right-pass1\n")
            .exit_code,
        0);
    ASSERT_EQ(
        ctl({"user", "add", "bob", "--tenant", "tenant-b", "--password-stdin"}, "Right-pass1\n")
            .exit_code,
        0);
    auto sts = AdminApiFixture::start_sts(poll_interval_ms, &port_);
    ASSERT_TRUE(sts) << sts.error();
    sts_.emplace(std::move(*sts));
  }
  void TearDown() override {
    if (sts_) (void)sts_->terminate();
    AdminApiFixture::TearDown();
  }

  std::string origin(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_);
  }
  std::string sts_ca() const { return path("sts/tls/server.crt"); }

  // curl with `args` (URL last); status and body.
  Reply curl(std::vector<std::string> args, const std::string& body = "") {
    std::vector<std::string> argv{
        "curl", "-sS", "--max-time", "20", "-o", path("reply.body"), "-w", "%{http_code}"};
    if (!body.empty()) {
      std::ofstream(path("request.body"), std::ios::binary) << body;
      argv.insert(argv.end(), {"--data-binary", "@" + path("request.body")});
    }
    std::filesystem::remove(path("reply.body"));
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    Reply reply;
    reply.status = std::atoi(r.out.c_str());
    reply.body = file("reply.body");
    if (reply.status == 0) ADD_FAILURE() << "curl: " << r.err;
    return reply;
  }
  // GET/POST https://127.0.0.1:PORT<path> with `Host: host` (no SNI: curl sends none for an IP).
  Reply by_host(const std::string& host, const std::string& path_, const std::string& body = "",
                const std::string& content_type = "application/json") {
    std::vector<std::string> args{"--cacert", sts_ca(), "-H", "Host: " + host};
    if (!body.empty()) args.insert(args.end(), {"-H", "Content-Type: " + content_type});
    args.push_back(origin() + path_);
    return curl(args, body);
  }
  // The same with the SNI name (and URL host) `sni`, trusting `ca`; Host is `host` if given.
  Reply by_sni(const std::string& sni, const std::string& ca, const std::string& path_,
               const std::string& host = "", const std::string& body = "") {
    std::vector<std::string> args{"--cacert", ca, "--resolve",
                                  sni + ":" + std::to_string(port_) + ":127.0.0.1"};
    if (!host.empty()) args.insert(args.end(), {"-H", "Host: " + host});
    if (!body.empty()) args.insert(args.end(), {"-H", "Content-Type: application/json"});
    args.push_back(origin(sni) + path_);
    return curl(args, body);
  }

  double metric(const std::string& family, const std::string& label = "") {
    auto r = run({"curl", "-sS", "--max-time", "10", sts_->base_url() + "/metrics"});
    double sum = 0;
    for (const std::string& line : lines(r.out)) {
      if (line.rfind(family, 0) != 0) continue;
      if (line.size() > family.size() && line[family.size()] != '{' && line[family.size()] != ' ') {
        continue;
      }
      if (!label.empty() && line.find(label) == std::string::npos) continue;
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }
  std::size_t count_in_log(const std::string& needle) const {
    const std::string log = sts_->log();
    std::size_t n = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  }

  static std::string password_grant(const std::string& user) {
    return R"({"grant":"password","username":")" + user + R"(","password":"Right-pass1"})";
  }
  // A pyVmomi-style bearer Issue request (UsernameToken, unsigned), docs/reference/wstrust.md §2.1.
  static std::string soap_issue(const std::string& user) {
    SystemClock clock;
    const auto now = clock.now();
    const std::string created = format_time_ms(now);
    const std::string expires = format_time_ms(now + std::chrono::minutes(1));
    const std::string token_expires = format_time_ms(now + std::chrono::minutes(5));
    return std::string(
               R"(<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">)") +
           R"(<SOAP-ENV:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">)" +
           R"(<wsu:Timestamp xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" wsu:Id="_ts1">)" +
           "<wsu:Created>" + created + "</wsu:Created><wsu:Expires>" + expires +
           "</wsu:Expires></wsu:Timestamp><wsse:UsernameToken><wsse:Username>" + user +
           "</wsse:Username><wsse:Password>Right-pass1</wsse:Password></wsse:UsernameToken>"
           "</wsse:Security></SOAP-ENV:Header><SOAP-ENV:Body>"
           R"(<RequestSecurityToken xmlns="http://docs.oasis-open.org/ws-sx/ws-trust/200512">)"
           "<TokenType>urn:oasis:names:tc:SAML:2.0:assertion</TokenType>"
           "<RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</RequestType>"
           R"(<Lifetime><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">)" +
           created +
           R"(</wsu:Created><wsu:Expires xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">)" +
           token_expires +
           "</wsu:Expires></Lifetime>"
           "<KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</KeyType>"
           "</RequestSecurityToken></SOAP-ENV:Body></SOAP-ENV:Envelope>";
  }
  Reply soap_by_host(const std::string& host, const std::string& path_, const std::string& user) {
    return curl({"--cacert", sts_ca(), "-H", "Host: " + host, "-H",
                 "Content-Type: text/xml; charset=\"UTF-8\"", "-H",
                 "SOAPAction: http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
                 origin() + path_},
                soap_issue(user));
  }

  // Waits until GET /api/v1/signing-certs with `Host: host` answers `status`; the last reply.
  Reply wait_for(const std::string& host, int status) {
    Reply r;
    for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
      r = by_host(host, "/api/v1/signing-certs");
      if (r.status == status) break;
    }
    return r;
  }

  std::optional<RunningService> sts_;
  std::uint16_t port_ = 0;
};

TEST_F(TenantRouting, TenantLessPathsFollowTheHostHeader) {
  start_sts();
  if (HasFatalFailure()) return;
  auto a = by_host(kHostA, "/api/v1/signing-certs");
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.field("tenant"), "tenant-a") << a.body;
  // Port, case and a trailing dot do not matter.
  auto b = by_host("B.TOKENS.example.test.:" + std::to_string(port_), "/api/v1/signing-certs");
  EXPECT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.field("tenant"), "tenant-b") << b.body;
  auto pem = by_host(kHostB, "/api/v1/signing-certs.pem");
  EXPECT_EQ(pem.status, 200);
  EXPECT_NE(pem.body.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  auto metadata = by_host(kHostA, "/saml/metadata");
  EXPECT_EQ(metadata.status, 200) << metadata.body;
  EXPECT_NE(metadata.body.find("/websso/SAML2/Metadata/tenant-a\""), std::string::npos)
      << metadata.body;

  // No tenant hostname: 404 with a message that says what to do.
  auto none = by_host("127.0.0.1:" + std::to_string(port_), "/api/v1/signing-certs");
  EXPECT_EQ(none.status, 404) << none.body;
  EXPECT_EQ(none.field("error"), "not_found") << none.body;
  EXPECT_NE(none.field("message").find("no tenant has the hostname 127.0.0.1"), std::string::npos)
      << none.body;
  EXPECT_EQ(by_host("unknown.example.test", "/saml/metadata").status, 404);

  // A token over REST for alice of tenant-a, with no tenant in the path.
  auto issued = by_host(kHostA, "/api/v1/tokens", password_grant("alice"));
  ASSERT_EQ(issued.status, 200) << issued.body;
  auto xml = crypto::base64_decode(issued.field("token"));
  ASSERT_TRUE(xml);
  EXPECT_NE(std::string(xml->begin(), xml->end()).find("/websso/SAML2/Metadata/tenant-a<"),
            std::string::npos);
  auto validated =
      by_host(kHostA, "/api/v1/tokens/validate", R"({"token":")" + issued.field("token") + "\"}");
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_TRUE(validated.json().at("valid").as_bool()) << validated.body;
  // Host b: bob's tenant; alice is no user there.
  EXPECT_EQ(by_host(kHostB, "/api/v1/tokens", password_grant("alice")).status, 401);
  EXPECT_EQ(by_host(kHostB, "/api/v1/tokens", password_grant("bob")).status, 200);

  // WS-Trust without a tenant in the path: the Host's tenant; with no tenant hostname, as
  // before, --default-tenant (vsphere.local, where alice is unknown).
  auto soap = soap_by_host(kHostA, "/sts/STSService", "alice");
  EXPECT_EQ(soap.status, 200) << soap.body;
  EXPECT_NE(soap.body.find("/websso/SAML2/Metadata/tenant-a<"), std::string::npos) << soap.body;
  auto fallback = soap_by_host("127.0.0.1", "/sts/STSService", "alice");
  EXPECT_EQ(fallback.status, 500) << fallback.body;
  EXPECT_NE(fallback.body.find("ns0:FailedAuthentication"), std::string::npos) << fallback.body;
}

TEST_F(TenantRouting, SniThroughAWildcardCertificateRoutesEachTenant) {
  auto wild = ctl({"server-cert", "self-signed", "--hostname", "*.tokens.example.test"});
  ASSERT_EQ(wild.exit_code, 0) << wild.err;
  auto shown = ctl_json({"server-cert", "show", "--hostname", "*.tokens.example.test"});
  ASSERT_TRUE(shown.is_object());
  std::ofstream(path("wild.pem")) << std::string(shown.at("active").at("pem").as_string());
  start_sts();
  if (HasFatalFailure()) return;

  // SNI only: the Host header names no tenant. --cacert wild.pem: the wildcard is served.
  const std::string ip_host = "127.0.0.1:" + std::to_string(port_);
  auto a = by_sni(kHostA, path("wild.pem"), "/api/v1/signing-certs", ip_host);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.field("tenant"), "tenant-a") << a.body;
  auto b = by_sni(kHostB, path("wild.pem"), "/api/v1/signing-certs", ip_host);
  EXPECT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.field("tenant"), "tenant-b") << b.body;
  // SNI and Host together, as browsers and curl send them.
  auto issued = by_sni(kHostB, path("wild.pem"), "/api/v1/tokens", "", password_grant("bob"));
  EXPECT_EQ(issued.status, 200) << issued.body;
  // A name under the wildcard that is no tenant's hostname: no tenant.
  auto other = by_sni("c.tokens.example.test", path("wild.pem"), "/api/v1/signing-certs", ip_host);
  EXPECT_EQ(other.status, 404) << other.body;

  // SNI of tenant-a, Host of tenant-b: refused.
  const double before = metric("sigil_tokens_issued_total");
  auto mixed = by_sni(kHostA, path("wild.pem"), "/api/v1/tokens", kHostB, password_grant("bob"));
  EXPECT_EQ(mixed.status, 421) << mixed.body;
  EXPECT_EQ(mixed.field("error"), "misdirected_request") << mixed.body;
  EXPECT_NE(mixed.field("message").find("belongs to tenant tenant-a"), std::string::npos)
      << mixed.body;
  EXPECT_EQ(metric("sigil_tokens_issued_total"), before);
  EXPECT_EQ(metric("sigil_misdirected_requests_total", "reason=\"sni_host_mismatch\""), 1.0);
}

TEST_F(TenantRouting, PathNamingAnotherTenantIsMisdirectedAndIssuesNothing) {
  start_sts();
  if (HasFatalFailure()) return;
  const double issued_before = metric("sigil_tokens_issued_total");
  ASSERT_EQ(metric("sigil_misdirected_requests_total"), 0.0);

  // REST: the path says tenant-b, the Host says tenant-a. bob is a valid user of tenant-b.
  auto rest = by_host(kHostA, "/api/v1/tenants/tenant-b/tokens", password_grant("bob"));
  EXPECT_EQ(rest.status, 421) << rest.body;
  EXPECT_EQ(rest.field("error"), "misdirected_request") << rest.body;
  EXPECT_NE(rest.field("message").find("this request is for tenant tenant-b but the Host " +
                                       std::string(kHostA) + " belongs to tenant tenant-a"),
            std::string::npos)
      << rest.body;
  EXPECT_EQ(count_in_log("event=routing.misdirected"), 1u) << sts_->log();
  // Publishing too.
  EXPECT_EQ(by_host(kHostA, "/saml/metadata/tenant-b").status, 421);
  EXPECT_EQ(by_host(kHostA, "/api/v1/tenants/TENANT-B/signing-certs").status, 421);

  // SOAP: a wst:InvalidRequest fault (HTTP 500, as SOAP clients expect), no assertion.
  auto soap = soap_by_host(kHostA, "/sts/STSService/tenant-b", "bob");
  EXPECT_EQ(soap.status, 500) << soap.body;
  EXPECT_NE(soap.body.find(">ns0:InvalidRequest</faultcode>"), std::string::npos) << soap.body;
  EXPECT_NE(soap.body.find("belongs to tenant tenant-a"), std::string::npos) << soap.body;
  EXPECT_EQ(soap.body.find("Assertion"), std::string::npos) << soap.body;

  EXPECT_EQ(metric("sigil_tokens_issued_total"), issued_before);
  EXPECT_EQ(metric("sigil_misdirected_requests_total", "reason=\"path_mismatch\""), 4.0);
  EXPECT_EQ(count_in_log("event=routing.misdirected"), 4u);

  // The same requests where nothing contradicts the path are served: the tenant's own
  // hostname, or a name that is no tenant's (path routing, as before).
  EXPECT_EQ(by_host(kHostB, "/api/v1/tenants/tenant-b/tokens", password_grant("bob")).status, 200);
  EXPECT_EQ(by_host("127.0.0.1", "/api/v1/tenants/tenant-b/tokens", password_grant("bob")).status,
            200);
  EXPECT_EQ(soap_by_host("sts.example.test", "/sts/STSService/tenant-b", "bob").status, 200);
  EXPECT_EQ(metric("sigil_tokens_issued_total"), issued_before + 3);
  // Two Host headers (curl would merge them; openssl sends the bytes as they are): refused.
  auto twice =
      run({"openssl", "s_client", "-quiet", "-connect", "127.0.0.1:" + std::to_string(port_)},
          std::string("GET /api/v1/signing-certs HTTP/1.1\r\nHost: ") + kHostB +
              "\r\nHost: " + kHostB + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(twice.out.rfind("HTTP/1.1 400", 0), 0u) << twice.out << twice.err;
  EXPECT_NE(twice.out.find("more than one Host header"), std::string::npos) << twice.out;
}

TEST_F(TenantRouting, HostnameAddedAtRuntimeRoutesWithoutRestart) {
  start_sts();
  if (HasFatalFailure()) return;
  const pid_t pid = sts_->process().pid();
  ASSERT_EQ(by_host("login.b.example.test", "/api/v1/signing-certs").status, 404);

  auto added = ctl({"tenant", "hostname", "add", "Login.B.Example.Test", "--tenant", "tenant-b"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  // NOTIFY (the poll interval is a minute).
  auto routed = wait_for("login.b.example.test", 200);
  EXPECT_EQ(routed.status, 200) << sts_->log();
  EXPECT_EQ(routed.field("tenant"), "tenant-b");
  EXPECT_EQ(by_host("login.b.example.test", "/api/v1/tenants/tenant-a/signing-certs").status, 421);
  EXPECT_EQ(sts_->process().pid(), pid);
  EXPECT_TRUE(sts_->process().running());

  auto removed =
      ctl({"tenant", "hostname", "remove", "login.b.example.test", "--tenant", "tenant-b"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(wait_for("login.b.example.test", 404).status, 404);
  EXPECT_EQ(by_host("login.b.example.test", "/api/v1/tenants/tenant-a/signing-certs").status, 200);
  EXPECT_EQ(sts_->process().pid(), pid);
  EXPECT_NE(sts_->log().find("event=tenant_hostnames.loaded"), std::string::npos);
  EXPECT_GE(metric("sigil_tenant_hostname_reloads_total", "trigger=\"notify\""), 2.0);
}

TEST_F(TenantRouting, LostNotificationIsCaughtUpByPolling) {
  start_sts("300");
  if (HasFatalFailure()) return;
  ASSERT_EQ(by_host("quiet.b.example.test", "/api/v1/signing-certs").status, 404);
  // A change whose NOTIFY never comes (as while the LISTEN connection is down): the trigger off.
  auto conn = db::connect(conninfo());
  ASSERT_TRUE(conn) << conn.error();
  auto added = db::transact(**conn, "add quietly", [](pqxx::dbtransaction& tx) -> Result<bool> {
    tx.exec("ALTER TABLE tenant_hostnames DISABLE TRIGGER tenant_hostnames_changed");
    SIGIL_TRY(bool changed,
              db::TenantStore(tx).add_hostname("tenant-b", "quiet.b.example.test", "test"));
    tx.exec("ALTER TABLE tenant_hostnames ENABLE TRIGGER tenant_hostnames_changed");
    return changed;
  });
  ASSERT_TRUE(added) << added.error();
  auto routed = wait_for("quiet.b.example.test", 200);
  EXPECT_EQ(routed.status, 200) << sts_->log();
  EXPECT_EQ(routed.field("tenant"), "tenant-b");
  EXPECT_GE(metric("sigil_tenant_hostname_reloads_total", "trigger=\"poll\",result=\"changed\""),
            1.0);
  EXPECT_EQ(metric("sigil_tenant_hostname_reloads_total", "trigger=\"notify\""), 0.0);
}

}  // namespace
}  // namespace sigil::testing
