// Who may call which admin route (docs/admin-api.md "Who may call"), end to end: a running
// sigil-certmgr (admin HTTPS on 127.0.0.1), a running sigil-sts issuing the tokens, the harness
// PostgreSQL.
//
// Tenants a (hostname sts.a.example) and b (sts.b.example) and the system tenant vsphere.local.
// One table lists every admin route, and for each kind of caller what it must get: nobody (401
// unauthenticated), b's administrator on a's path (401 auth_failed: its credential is not a's),
// a non-administrator of a (403), a's administrator (admitted, or 403 for deployment-wide
// routes), the system tenant's administrator on its own path (admitted) and on a's path (401).
// Every caller but nobody calls twice: with its admin client certificate and with a token sts
// issued it. The table is compared with the routes AdminApi registers on a router, so a route
// added without a row fails the test.
//
// Then the attack of issue 13 (b's administrator runs a real scheduler pass ten years ahead, and
// a dry run to read other tenants' key ids), refused with nothing changed; the legitimate path
// (the system administrator's run-once; a real pass at another time only with
// --allow-time-travel); and the alarm list, which shows no other tenant's hostnames.

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/transaction>

#include "../../sigilctl/admin_env.hpp"
#include "certmgr/admin/admin_api.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using boost::beast::http::verb;

constexpr std::string_view kBase = "/api/v1/admin/tenants/{tenant}";
constexpr char kPassword[] = "Right-pass1";

// What a call must get.
enum class Outcome {
  kUnauthenticated,  // 401 unauthenticated: no credential
  kAuthFailed,       // 401 auth_failed: a credential that is not this tenant's
  kForbidden,        // 403 permission_denied
  kAdmitted,         // past authorization: 2xx, or a 4xx other than 401/403; never 5xx
};

// Who calls, and on which tenant's path.
enum Caller {
  kNobody,                // a's path, no credential
  kOtherTenantAdmin,      // a's path, b's administrator
  kNonAdmin,              // a's path, a user / solution user of a outside Administrators
  kTenantAdmin,           // a's path, a's administrator
  kSystemAdmin,           // vsphere.local's path, vsphere.local's administrator
  kSystemAdminOnTenant,   // a's path, vsphere.local's administrator
  kCallers
};
constexpr std::array<std::string_view, kCallers> kCallerNames = {
    "nobody", "b's admin", "a's non-admin", "a's admin", "system admin",
    "system admin on a's path"};

using Expect = std::array<Outcome, kCallers>;
constexpr Outcome U = Outcome::kUnauthenticated;
constexpr Outcome F = Outcome::kAuthFailed;
constexpr Outcome D = Outcome::kForbidden;
constexpr Outcome A = Outcome::kAdmitted;
// The three shapes of docs/admin-api.md's "who may call" column.
constexpr Expect kTenantAdmins = {U, F, D, A, A, F};
constexpr Expect kSystemAdmins = {U, F, D, D, A, F};

struct RouteCase {
  verb method;
  std::string pattern;  // below kBase, as registered
  std::string query;
  std::string body;     // "" sends none
  Expect expect;
};

// Every admin route. Bodies are chosen so that an admitted call cannot break the calls after
// it (no key rotation, no new default server certificate): a 400 proves admission as well as a
// 200 does. Server-certificate routes appear twice: the default certificate (system tenant
// only) and a's own hostname (a's administrators too).
std::vector<RouteCase> route_table() {
  const std::string pass = R"({"passphrase":"correct horse battery"})";
  return {
      {verb::get, "/whoami", "", "", kTenantAdmins},
      {verb::get, "/signing-certs", "", "", kTenantAdmins},
      {verb::post, "/signing-certs", "", R"({"key_type":"ecdsa-p256"})", kTenantAdmins},
      {verb::get, "/signing-certs/{key_id}", "", "", kTenantAdmins},
      {verb::post, "/signing-certs/{key_id}/activate", "", "{}", kTenantAdmins},
      {verb::post, "/signing-certs/{key_id}/export", "", pass, kTenantAdmins},
      {verb::post, "/signing-certs/refresh", "", R"({"key_type":"dsa"})", kTenantAdmins},
      {verb::post, "/signing-certs/import", "",
       R"({"certificate":"x","private_key":"y","dry_run":true})", kTenantAdmins},
      {verb::get, "/rotation-preview", "", "", kTenantAdmins},
      {verb::get, "/alarms", "", "", kTenantAdmins},
      {verb::post, "/run-once", "", R"({"dry_run":true})", kSystemAdmins},
      {verb::get, "/audit-log", "", "", kTenantAdmins},
      {verb::get, "/server-cert", "", "", kSystemAdmins},
      {verb::get, "/server-cert", "hostname=sts.a.example", "", kTenantAdmins},
      {verb::get, "/server-cert", "hostname=sts.b.example", "", kSystemAdmins},
      {verb::post, "/server-cert/csr", "", "{}", kSystemAdmins},
      {verb::post, "/server-cert/csr", "", R"({"hostname":"sts.a.example"})", kTenantAdmins},
      {verb::post, "/server-cert/import", "", R"({"certificate":"x"})", kSystemAdmins},
      {verb::post, "/server-cert/import", "", R"({"hostname":"sts.a.example","certificate":"x"})",
       kTenantAdmins},
      {verb::post, "/server-cert/self-signed", "", R"({"validity_days":0})", kSystemAdmins},
      {verb::post, "/server-cert/self-signed", "",
       R"({"hostname":"sts.a.example","validity_days":0})", kTenantAdmins},
      {verb::post, "/server-cert/export", "", pass, kSystemAdmins},
      {verb::post, "/server-cert/export", "",
       R"({"hostname":"sts.a.example","passphrase":"correct horse battery"})", kTenantAdmins},
      {verb::get, "/peers", "", "", kSystemAdmins},
      {verb::post, "/peers", "", "{}", kSystemAdmins},
      {verb::post, "/peers/remove", "", R"({"url":"https://127.0.0.1:1"})", kSystemAdmins},
      {verb::get, "/peers/identity", "", "", kSystemAdmins},
      {verb::post, "/bundle/export", "", "{}", kTenantAdmins},
      {verb::post, "/bundle/import", "", R"({"bundle":"not a bundle"})", kSystemAdmins},
      {verb::get, "/bundle/trusted-signers", "", "", kSystemAdmins},
  };
}

// Nine years and ten months on: every tenant's ten-year built-in CA key is due for renewal
// (and the CA still valid to issue its successor).
TimePoint ten_years_on() { return std::chrono::system_clock::now() + 24h * (365 * 10 - 60); }

std::string method_name(verb m) { return std::string(boost::beast::http::to_string(m)); }

// What AdminApi registers, as "METHOD pattern" (the pattern below kBase).
std::set<std::string> registered_routes(const std::string& conninfo) {
  certmgr::CertmgrConfig cfg;
  db::ConnectionPool pool(conninfo, db::PoolOptions{});
  SystemClock clock;
  log::Logger logger(log::Format::kText, log::Level::kError);
  metrics::Registry registry;
  certmgr::admin::AdminDeps deps;
  deps.cfg = &cfg;
  deps.pool = &pool;
  deps.clock = &clock;
  deps.log = &logger;
  deps.metrics = &registry;
  certmgr::admin::AdminApi api(deps);
  http::Router router;
  api.add_routes(router);
  std::set<std::string> out;
  for (const auto& r : router.routes()) {
    std::string pattern = r.pattern;
    if (pattern.rfind(kBase, 0) == 0) pattern = pattern.substr(kBase.size());
    out.insert(method_name(r.method) + " " + pattern);
  }
  return out;
}

struct Credential {
  std::string cert_pem;
  std::string key_pem;
  std::string user;    // sts password login, for the token
  std::string tenant;  // the credential's tenant
  std::string token;   // base64 assertion, fetched when first needed
  std::chrono::steady_clock::time_point token_at;
};

class AdminAuthz : public AdminApiFixture {
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
    // a's solution user outside Administrators: a certificate made here.
    auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256).value();
    crypto::CertRequest req;
    const TimePoint now = std::chrono::system_clock::now();
    req.subject.common_name = "svc";
    req.subject_key = key.get();
    req.issuer_key = key.get();
    req.not_before = now - 1h;
    req.not_after = now + 24h * 30;
    req.key_usage.digital_signature = true;
    auto cert = crypto::issue_certificate(req).value();
    std::ofstream(path("a-svc.crt")) << crypto::write_certificate_pem(cert.get()).value();
    std::ofstream(path("a-svc.key"))
        << std::string(crypto::write_private_key_pem(key.get()).value().view());
    auto svc = ctl({"--tenant", "a", "solution-user", "add", "svc", "--cert", path("a-svc.crt"),
                    "--group", "Users"});
    ASSERT_EQ(svc.exit_code, 0) << svc.err;
    // Users for the tokens.
    add_user("vsphere.local", "root", true);
    add_user("a", "alice", true);
    add_user("a", "bob", false);
    add_user("b", "carol", true);
    creds_[kSystemAdmin] = credential("admin", "vsphere.local", "root");
    creds_[kTenantAdmin] = credential("a-admin", "a", "alice");
    creds_[kNonAdmin] = credential("a-svc", "a", "bob");
    creds_[kOtherTenantAdmin] = credential("b-admin", "b", "carol");
    std::uint16_t port = 0;
    auto sts = start_sts("500", &port);
    ASSERT_TRUE(sts) << sts.error();
    sts_.emplace(std::move(*sts));
    sts_port_ = port;
  }

  void add_user(const std::string& tenant, const std::string& name, bool admin) {
    std::vector<std::string> args{"--tenant", tenant, "user", "add", name, "--password-stdin"};
    if (admin) args.insert(args.end(), {"--group", "Administrators"});
    auto r = ctl(args, std::string(kPassword) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  Credential credential(const std::string& files, const std::string& tenant,
                        const std::string& user) {
    Credential c;
    c.cert_pem = file(files + ".crt");
    c.key_pem = file(files + ".key");
    c.tenant = tenant;
    c.user = user;
    return c;
  }

  // A bearer token sts issues by password (they live 5 minutes: fetched again after 3).
  const std::string& token_of(Credential& c) {
    const auto now = std::chrono::steady_clock::now();
    if (!c.token.empty() && now - c.token_at < 3min) return c.token;
    c.token.clear();
    const std::string grant =
        R"({"grant":"password","username":")" + c.user + R"(","password":")" + kPassword + "\"}";
    for (int i = 0; i < 50 && c.token.empty(); ++i) {
      auto r = run({"curl", "-sSk", "--max-time", "20", "-H", "Content-Type: application/json",
                    "--data-binary", grant,
                    "https://127.0.0.1:" + std::to_string(sts_port_) + "/api/v1/tenants/" +
                        c.tenant + "/tokens"});
      std::error_code ec;
      json::value v = json::parse(r.out, ec);
      if (!ec && v.is_object() && v.as_object().contains("token")) {
        c.token = std::string(v.at("token").as_string());
      } else {
        std::this_thread::sleep_for(100ms);
      }
    }
    EXPECT_FALSE(c.token.empty()) << "sts issued no token for " << c.user << "@" << c.tenant;
    c.token_at = now;
    return c.token;
  }

  enum class Using { kNothing, kCertificate, kToken };

  Result<http::ClientResponse> call(verb method, const std::string& tenant,
                                    const std::string& path_, const std::string& query,
                                    const std::string& body, Credential* cred, Using how) {
    http::ClientRequest r = request(method, "");
    r.url = server_ + "/api/v1/admin/tenants/" + tenant + path_ +
            (query.empty() ? "" : "?" + query);
    if (how == Using::kCertificate) {
      r.tls.client_cert_pem = cred->cert_pem;
      r.tls.client_key_pem = cred->key_pem;
    } else if (how == Using::kToken) {
      r.headers.emplace_back("Authorization", "SAML " + token_of(*cred));
    }
    if (!body.empty()) {
      r.body = body;
      r.content_type = "application/json";
    }
    return http::send(r);
  }

  static std::string error_of(const http::ClientResponse& r) {
    std::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("error")) return "(no JSON error)";
    return std::string(v.at("error").as_string());
  }

  // "" when `r` is `want`, else why not.
  static std::string judge(const http::ClientResponse& r, Outcome want) {
    const std::string error = error_of(r);
    switch (want) {
      case Outcome::kUnauthenticated:
        if (r.status == 401 && error == "unauthenticated") return "";
        return "want 401 unauthenticated";
      case Outcome::kAuthFailed:
        if (r.status == 401 && error == "auth_failed") return "";
        return "want 401 auth_failed";
      case Outcome::kForbidden:
        if (r.status == 403 && error == "permission_denied") return "";
        return "want 403 permission_denied";
      case Outcome::kAdmitted:
        if (r.status != 401 && r.status != 403 && r.status < 500) return "";
        return "want admitted (2xx or a 4xx other than 401/403)";
    }
    return "?";
  }

  std::string sql(const std::string& query) {
    auto conn = db::connect(conninfo());
    EXPECT_TRUE(conn);
    if (!conn) return {};
    pqxx::work tx(**conn);
    auto r = tx.exec(query);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
  }

  // Every row a scheduler pass could change, as text: equal dumps mean nothing changed.
  std::string deployment_dump() {
    return sql(
        "SELECT coalesce((SELECT string_agg(row_to_json(k)::text, E'\\n' ORDER BY id) FROM "
        "signing_keys k), '') || coalesce((SELECT string_agg(row_to_json(s)::text, E'\\n' "
        "ORDER BY id) FROM server_certificates s), '') || coalesce((SELECT "
        "string_agg(row_to_json(c)::text, E'\\n' ORDER BY id) FROM ca_certificates c), '') || "
        "coalesce((SELECT string_agg(row_to_json(al)::text, E'\\n' ORDER BY id) FROM alarms "
        "al), '')");
  }

  static std::string sha256_of_pem(const std::string& pem) {
    auto cert = crypto::parse_certificate_pem(pem).value();
    return crypto::hex_encode(crypto::sha256(crypto::write_certificate_der(cert.get()).value()));
  }

  // Replaces the fixture's certmgr with one started with `extra` flags as well.
  void restart_certmgr(const std::vector<std::string>& extra) {
    ASSERT_TRUE(certmgr_->terminate());
    certmgr_.reset();
    std::vector<std::string> args{"--db", conninfo(), "--home", path(""), "--master-key-file",
                                  path("master.key"), "--sts-hostname", "localhost"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto svc = RunningService::start(certmgr_binary(), args);
    ASSERT_TRUE(svc) << svc.error();
    certmgr_.emplace(std::move(*svc));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
      port = listener_port(certmgr_->log(), "admin");
    }
    ASSERT_TRUE(port) << certmgr_->log();
    server_ = "https://127.0.0.1:" + std::to_string(*port);
    for (auto& e : env_) {
      if (e.rfind("SIGIL_SERVER=", 0) == 0) e = "SIGIL_SERVER=" + server_;
    }
  }

  std::array<Credential, kCallers> creds_;
  std::optional<RunningService> sts_;
  std::uint16_t sts_port_ = 0;
};

TEST_F(AdminAuthz, EveryRouteAnswersEveryKindOfCallerAsItsTableRowSays) {
  const std::vector<RouteCase> table = route_table();
  // The table covers exactly the routes AdminApi registers.
  std::set<std::string> listed;
  for (const auto& row : table) listed.insert(method_name(row.method) + " " + row.pattern);
  const std::set<std::string> registered = registered_routes(conninfo());
  for (const auto& r : registered) {
    EXPECT_TRUE(listed.count(r)) << "admin route without a row in route_table(): " << r;
  }
  for (const auto& r : listed) {
    EXPECT_TRUE(registered.count(r)) << "route_table() lists a route AdminApi lacks: " << r;
  }
  ASSERT_GE(registered.size(), 23u);

  int calls = 0;
  for (const auto& row : table) {
    std::string p = row.pattern;
    if (auto at = p.find("{key_id}"); at != std::string::npos) p.replace(at, 8, "active");
    for (int who = 0; who < kCallers; ++who) {
      const std::string tenant = who == kSystemAdmin ? "vsphere.local" : "a";
      Credential* cred = who == kNobody              ? nullptr
                         : who == kSystemAdminOnTenant ? &creds_[kSystemAdmin]
                                                       : &creds_[who];
      std::vector<Using> ways{Using::kNothing};
      if (cred != nullptr) ways = {Using::kCertificate, Using::kToken};
      for (Using how : ways) {
        const std::string what = method_name(row.method) + " /tenants/" + tenant + p +
                                 (row.query.empty() ? "" : "?" + row.query) + " as " +
                                 std::string(kCallerNames[who]) +
                                 (how == Using::kCertificate ? " (certificate)"
                                  : how == Using::kToken     ? " (token)"
                                                             : "");
        auto r = call(row.method, tenant, p, row.query, row.body, cred, how);
        ASSERT_TRUE(r) << what << ": " << r.error();
        ++calls;
        const std::string why = judge(*r, row.expect[who]);
        EXPECT_EQ(why, "") << what << ": got " << r->status << " " << r->body;
      }
    }
  }
  EXPECT_EQ(calls, static_cast<int>(table.size()) * (1 + 2 * (kCallers - 1)));
}

TEST_F(AdminAuthz, AnotherTenantsAdministratorCannotRunTheSchedulerNorReadItsReport) {
  // b's administrator, on b's own path (where its credential is valid), ten years ahead: this
  // pass would renew the default server certificate with a notBefore in the future and retire
  // a's keys. Refused, with certificate and with token; nothing changes.
  const std::string before = deployment_dump();
  const std::string audit_before = sql("SELECT count(*) FROM audit_log");
  const std::string at = format_rfc3339(ten_years_on());
  const std::string real = R"({"at":")" + at + "\"}";
  const std::string dry = R"({"at":")" + at + R"(","dry_run":true})";
  const std::string a_key = sql("SELECT k.key_id FROM signing_keys k JOIN tenants t ON "
                                "t.id = k.tenant_id WHERE t.name = 'a' AND k.state = 'active'");
  ASSERT_FALSE(a_key.empty());
  for (Using how : {Using::kCertificate, Using::kToken}) {
    for (const std::string& body : {real, dry}) {
      auto r = call(verb::post, "b", "/run-once", "", body, &creds_[kOtherTenantAdmin], how);
      ASSERT_TRUE(r) << r.error();
      EXPECT_EQ(r->status, 403u) << r->body;
      EXPECT_EQ(error_of(*r), "permission_denied");
      EXPECT_NE(r->body.find("system tenant vsphere.local"), std::string::npos) << r->body;
      // Not a word about the other tenants: the dry run's report is never produced.
      EXPECT_EQ(r->body.find(a_key), std::string::npos) << r->body;
      EXPECT_EQ(r->body.find("\"events\""), std::string::npos) << r->body;
    }
  }
  // The same through sigilctl, as b's administrator.
  auto cli = ctl({"--tenant", "b", "--client-cert", path("b-admin.crt"), "--client-key",
                  path("b-admin.key"), "certmgr", "run-once", "--at", at});
  EXPECT_EQ(cli.exit_code, 1) << cli.out;
  EXPECT_NE(cli.err.find("deployment-wide"), std::string::npos) << cli.err;
  EXPECT_EQ(lines(cli.err).size(), 1u) << cli.err;

  EXPECT_EQ(deployment_dump(), before) << "keys, server certificates, CA or alarms changed";
  EXPECT_EQ(sql("SELECT count(*) FROM audit_log"), audit_before);
  EXPECT_EQ(sql("SELECT count(*) FROM audit_log WHERE action = 'certmgr.run-once'"), "0");
  // Each refusal is a warn line naming b's administrator and the route.
  const std::string b_actor = "actor=cert:sha256:" + sha256_of_pem(creds_[kOtherTenantAdmin].cert_pem);
  int refusals = 0;
  for (const auto& line : lines(certmgr_->log())) {
    if (line.find("event=admin.request") == std::string::npos ||
        line.find("path=/api/v1/admin/tenants/b/run-once") == std::string::npos) {
      continue;
    }
    EXPECT_NE(line.find("result=forbidden"), std::string::npos) << line;
    EXPECT_NE(line.find("access=deployment"), std::string::npos) << line;
    EXPECT_NE(line.find("level=warn"), std::string::npos) << line;
    if (line.find(b_actor) != std::string::npos) ++refusals;
  }
  EXPECT_EQ(refusals, 3) << "two by certificate, one by sigilctl; log:\n" << certmgr_->log();
}

TEST_F(AdminAuthz, TheSystemAdministratorRunsTheSchedulerAndOnlyTheSettingAllowsTimeTravel) {
  // A pass now, through sigilctl with the system tenant's administrator (the defaults).
  auto pass = ctl({"certmgr", "run-once"});
  EXPECT_EQ(pass.exit_code, 0) << pass.err;
  const std::string sys_actor = "cert:sha256:" + sha256_of_pem(creds_[kSystemAdmin].cert_pem);
  EXPECT_EQ(sql("SELECT actor FROM audit_log WHERE action = 'certmgr.run-once'"), sys_actor);

  // A dry run ten years ahead previews every tenant's renewal and changes nothing.
  const std::string at = format_rfc3339(ten_years_on());
  const std::string before = deployment_dump();
  auto preview = ctl_json({"certmgr", "run-once", "--dry-run", "--at", at});
  std::set<std::string> renewing;
  for (const auto& e : preview.at("events").as_array()) {
    if (e.at("action").as_string() == "renewal.pending") {
      renewing.insert(std::string(e.at("tenant").as_string()));
    }
  }
  EXPECT_EQ(renewing, (std::set<std::string>{"a", "b", "vsphere.local"})) << preview;
  EXPECT_EQ(deployment_dump(), before);

  // A real pass ten years ahead: refused without --allow-time-travel, nothing changed.
  auto refused = ctl({"certmgr", "run-once", "--at", at});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("--allow-time-travel"), std::string::npos) << refused.err;
  EXPECT_EQ(deployment_dump(), before);
  auto api = call(verb::post, "vsphere.local", "/run-once", "", R"({"at":")" + at + "\"}",
                  &creds_[kSystemAdmin], Using::kToken);
  ASSERT_TRUE(api) << api.error();
  EXPECT_EQ(api->status, 400u) << api->body;
  EXPECT_EQ(error_of(*api), "invalid_time_range");
  EXPECT_EQ(deployment_dump(), before);
  // Two minutes ahead is within the tolerance of clocks: allowed.
  const std::string soon = format_rfc3339(std::chrono::system_clock::now() + 2min);
  EXPECT_EQ(ctl({"certmgr", "run-once", "--at", soon}).exit_code, 0);

  // With the setting, the same pass runs (and says so in the log).
  restart_certmgr({"--allow-time-travel"});
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_NE(certmgr_->log().find("event=config.time_travel_allowed"), std::string::npos);
  auto travelled = ctl_json({"certmgr", "run-once", "--at", at});
  EXPECT_FALSE(travelled.at("dry_run").as_bool());
  EXPECT_NE(json::serialize(travelled).find("renewal.pending"), std::string::npos) << travelled;
  EXPECT_EQ(sql("SELECT count(*) FROM signing_keys WHERE state = 'pending'"), "3");
  EXPECT_NE(certmgr_->log().find("event=scheduler.time_travel"), std::string::npos);
}

TEST_F(AdminAuthz, AlarmsShowNoOtherTenantsHostnames) {
  // b's hostname gets a certificate that expires in ten days; a pass raises its alarm.
  auto made = call(verb::post, "vsphere.local", "/server-cert/self-signed", "",
                   R"({"hostname":"sts.b.example","validity_days":10})", &creds_[kSystemAdmin],
                   Using::kCertificate);
  ASSERT_TRUE(made) << made.error();
  ASSERT_EQ(made->status, 200u) << made->body;
  ASSERT_EQ(ctl({"certmgr", "run-once"}).exit_code, 0);
  ASSERT_EQ(sql("SELECT count(*) FROM alarms WHERE subject = 'server-cert:sts.b.example' AND "
                "cleared_at IS NULL"),
            "1");
  auto alarms_as = [&](const std::string& tenant, Caller who) {
    auto r = call(verb::get, tenant, "/alarms", "", "", &creds_[who], Using::kToken);
    EXPECT_TRUE(r) << r.error();
    EXPECT_EQ(r ? r->status : 0u, 200u) << (r ? r->body : "");
    return r ? r->body : std::string();
  };
  EXPECT_EQ(alarms_as("a", kTenantAdmin).find("sts.b.example"), std::string::npos);
  EXPECT_NE(alarms_as("b", kOtherTenantAdmin).find("server-cert:sts.b.example"),
            std::string::npos);
  EXPECT_NE(alarms_as("vsphere.local", kSystemAdmin).find("server-cert:sts.b.example"),
            std::string::npos);
}

}  // namespace
}  // namespace sigil::testing
