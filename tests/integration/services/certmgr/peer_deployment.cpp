#include "peer_deployment.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/json.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/http/client.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;
constexpr char kWst[] = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
constexpr char kTenant[] = "vsphere.local";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string issue_request(TimePoint created) {
  const std::string wsse =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
  const std::string wsu =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
  return "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Header>"
         "<wsse:Security xmlns:wsse=\"" +
         wsse + "\"><wsu:Timestamp xmlns:wsu=\"" + wsu + "\"><wsu:Created>" +
         format_time_ms(created) + "</wsu:Created><wsu:Expires>" + format_time_ms(created + 60s) +
         "</wsu:Expires></wsu:Timestamp><wsse:UsernameToken>"
         "<wsse:Username>alice</wsse:Username><wsse:Password>Right-pass1</wsse:Password>"
         "</wsse:UsernameToken></wsse:Security></S:Header><S:Body><RequestSecurityToken xmlns=\"" +
         std::string(kWst) +
         "\"><TokenType>urn:oasis:names:tc:SAML:2.0:assertion</TokenType>"
         "<RequestType>" +
         kWst + "/Issue</RequestType><KeyType>" + kWst +
         "/Bearer</KeyType><Lifetime><wsu:Created xmlns:wsu=\"" + wsu + "\">" +
         format_time_ms(created) + "</wsu:Created><wsu:Expires xmlns:wsu=\"" + wsu + "\">" +
         format_time_ms(created + 1h) +
         "</wsu:Expires></Lifetime></RequestSecurityToken>"
         "</S:Body></S:Envelope>";
}

std::string validate_request(const std::string& token) {
  return "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
         "<RequestSecurityToken xmlns=\"" +
         std::string(kWst) + "\"><TokenType>" + kWst + "/RSTR/Status</TokenType><RequestType>" +
         kWst +
         "/Validate</RequestType>"
         "<ValidateTarget>" +
         token +
         "</ValidateTarget></RequestSecurityToken></S:Body>"
         "</S:Envelope>";
}

Result<void> check_run(const ProcessResult& r, const std::string& what) {
  if (r.exit_code != 0) return fail(Errc::kInternal, what + " failed: " + r.out + r.err);
  return {};
}

}  // namespace

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

PeerDeployment::PeerDeployment(TempDir dir, std::unique_ptr<PgCluster> cluster)
    : dir_(std::move(dir)), cluster_(std::move(cluster)) {}

PeerDeployment::~PeerDeployment() {
  if (sts_) (void)sts_->terminate();
  if (certmgr_) (void)certmgr_->terminate();
}

Result<std::unique_ptr<PeerDeployment>> PeerDeployment::start(const std::string& name) {
  SIGIL_TRY(TempDir dir, TempDir::create("sigil-peer-" + name + "-"));
  SIGIL_TRY(std::unique_ptr<PgCluster> cluster, PgCluster::start());
  std::unique_ptr<PeerDeployment> d(new PeerDeployment(std::move(dir), std::move(cluster)));
  SIGIL_TRY_VOID(d->init());
  return d;
}

std::string PeerDeployment::path(const std::string& name) const {
  return (dir_.path() / name).string();
}

Result<void> PeerDeployment::init() {
  try {
    pqxx::connection admin(cluster_->conninfo_for("postgres"));
    pqxx::nontransaction(admin).exec("CREATE DATABASE sigil");
  } catch (const std::exception& e) {
    return fail(Errc::kUnavailable, e.what());
  }
  db_ = cluster_->conninfo_for("sigil");
  SIGIL_TRY_VOID(crypto::create_master_key_file(path("master.key")));
  ProcessOptions o;
  o.timeout = 60s;
  SIGIL_TRY(ProcessResult m, run_process({certmgr_binary(), "migrate", "--db", db_}, o));
  SIGIL_TRY_VOID(check_run(m, "migrate"));
  SIGIL_TRY_VOID(check_run(ctl({"tenant", "create", kTenant}), "tenant create"));
  SIGIL_TRY_VOID(
      check_run(ctl({"user", "add", "alice", "--password-stdin"}, "Right-pass1\n"), "user add"));
  SIGIL_TRY_VOID(check_run(ctl({"admin-cert", "create", "--out-cert", path("admin.crt"),
                                "--out-key", path("admin.key")}),
                           "admin-cert create"));
  admin_port_ = closed_port();
  url_ = "https://127.0.0.1:" + std::to_string(admin_port_);
  SIGIL_TRY_VOID(start_certmgr());
  return start_sts();
}

ProcessResult PeerDeployment::ctl(std::vector<std::string> args, const std::string& stdin_data) {
  args.insert(args.begin(), sigilctl_binary());
  ProcessOptions o;
  o.env = {"SIGIL_DB=" + db_,
           "SIGIL_HOME=" + path(""),
           "SIGIL_MASTER_KEY_FILE=" + path("master.key"),
           "SIGIL_SERVER=" + url_,
           "SIGIL_CLIENT_CERT=" + path("admin.crt"),
           "SIGIL_CLIENT_KEY=" + path("admin.key")};
  o.stdin_data = stdin_data;
  o.timeout = 60s;
  auto r = run_process(args, o);
  if (!r) {
    ProcessResult failed;
    failed.err = r.error().to_string();
    return failed;
  }
  return *r;
}

Result<void> PeerDeployment::start_certmgr() {
  SIGIL_TRY(
      RunningService svc,
      RunningService::start(certmgr_binary(), {"--db", db_, "--home", path(""), "--master-key-file",
                                               path("master.key"), "--listen",
                                               "127.0.0.1:" + std::to_string(admin_port_)}));
  certmgr_.emplace(std::move(svc));
  const bool up =
      eventually([&] { return listener_port(certmgr_->log(), "admin").has_value(); }, 10s);
  if (!up) return fail(Errc::kUnavailable, "certmgr did not listen: " + certmgr_->log());
  return {};
}

Result<void> PeerDeployment::stop_certmgr() {
  if (!certmgr_) return {};
  SIGIL_TRY(int code, certmgr_->terminate());
  (void)code;
  certmgr_.reset();
  return {};
}

Result<void> PeerDeployment::start_sts() {
  SIGIL_TRY(
      RunningService svc,
      RunningService::start(sts_binary(), {"--db", db_, "--master-key-file", path("master.key"),
                                           "--keyset-poll-interval-ms", "500"}));
  sts_.emplace(std::move(svc));
  std::optional<std::uint16_t> port;
  eventually([&] { return (port = listener_port(sts_->log(), "main")).has_value(); }, 10s);
  if (!port) return fail(Errc::kUnavailable, "sts did not listen: " + sts_->log());
  sts_port_ = *port;
  const std::string log = sts_->log();
  const auto at = log.find("event=tls.self_signed_created path=");
  if (at == std::string::npos) return fail(Errc::kInternal, "no sts certificate: " + log);
  const std::string p = log.substr(at + 35, log.find(' ', at + 35) - at - 35);
  sts_home_ = p.substr(0, p.size() - std::string("/tls/server.crt").size());
  const bool ready = eventually([&] {
    auto got = http::get(sts_->base_url() + "/readyz");
    return got && got->status == 200;
  });
  if (!ready) return fail(Errc::kUnavailable, "sts not ready: " + sts_->log());
  return {};
}

std::vector<KeyView> PeerDeployment::keys() {
  pqxx::connection c(db_);
  pqxx::work tx(c);
  std::vector<KeyView> out;
  for (const auto& r : tx.exec(
           "SELECT k.key_id, k.state, coalesce((extract(epoch FROM k.activated_at) * 1000000)"
           "::bigint, 0), coalesce((extract(epoch FROM k.deactivated_at) * 1000000)::bigint, 0), "
           "coalesce((extract(epoch FROM k.verify_until) * 1000000)::bigint, 0) FROM "
           "signing_keys k JOIN tenants t ON t.id = k.tenant_id WHERE t.name = 'vsphere.local' "
           "ORDER BY k.key_id")) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
                   r[3].as<std::int64_t>(), r[4].as<std::int64_t>()});
  }
  return out;
}

std::string PeerDeployment::active_key() {
  for (const auto& k : keys()) {
    if (k.state == "active") return k.key_id;
  }
  return {};
}

std::int64_t PeerDeployment::scalar(const std::string& sql) {
  pqxx::connection c(db_);
  pqxx::nontransaction tx(c);
  return tx.exec1(sql)[0].as<std::int64_t>();
}

std::optional<db::PeerRow> PeerDeployment::peer(const std::string& url) {
  pqxx::connection c(db_);
  auto rows = db::transact(c, "test.peers",
                           [](pqxx::dbtransaction& tx) { return db::PeerStore(tx).list(); });
  if (!rows) return std::nullopt;
  for (auto& p : *rows) {
    if (p.url == url) return p;
  }
  return std::nullopt;
}

std::int64_t PeerDeployment::last_seq_for(const std::string& peer_url) {
  pqxx::connection c(db_);
  pqxx::nontransaction tx(c);
  return tx
      .exec_params1(
          "SELECT coalesce(max(seq), 0) FROM change_log WHERE origin IS DISTINCT "
          "FROM $1",
          peer_url)[0]
      .as<std::int64_t>();
}

std::string PeerDeployment::sts_active_key() {
  http::ClientRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(sts_port_) +
            "/api/v1/tenants/vsphere.local/signing-certs";
  req.tls.trust_pem = read_file(sts_home_ + "/tls/server.crt");
  auto res = http::send(req);
  if (!res || res->status != 200) return {};
  std::error_code ec;
  auto v = boost::json::parse(res->body, ec);
  if (ec || !v.is_object()) return {};
  for (const auto& c : v.at("signing_certs").as_array()) {
    if (c.at("state").as_string() == "active") return std::string(c.at("key_id").as_string());
  }
  return {};
}

std::string PeerDeployment::soap(const std::string& body, const std::string& action) {
  http::ClientRequest req;
  req.method = boost::beast::http::verb::post;
  req.url = "https://127.0.0.1:" + std::to_string(sts_port_) + "/sts/STSService/vsphere.local";
  req.body = body;
  req.content_type = "text/xml; charset=\"UTF-8\"";
  req.headers.emplace_back("SOAPAction", std::string(kWst) + action);
  req.tls.trust_pem = read_file(sts_home_ + "/tls/server.crt");
  req.timeout = 20s;
  auto res = http::send(req);
  if (!res || res->status != 200) return {};
  return res->body;
}

std::string PeerDeployment::issue_token() {
  const std::string body = soap(issue_request(std::chrono::system_clock::now()), "/RST/Issue");
  auto b = body.find("<saml2:Assertion");
  auto e = body.find("</saml2:Assertion>");
  if (b == std::string::npos || e == std::string::npos) return {};
  return body.substr(b, e + 18 - b);
}

bool PeerDeployment::validates(const std::string& token) {
  return soap(validate_request(token), "/RST/Validate").find("/status/valid<") != std::string::npos;
}

std::string PeerDeployment::certmgr_metrics() {
  auto got = http::get(certmgr_->base_url() + "/metrics");
  return got && got->status == 200 ? got->body : std::string();
}

}  // namespace sigil::testing
