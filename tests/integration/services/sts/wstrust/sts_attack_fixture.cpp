#include "sts_attack_fixture.hpp"

#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"

namespace sigil::testing {

using namespace std::chrono_literals;
namespace ns = saml::ns;

std::int64_t StsAttackTest::login_attempts_per_minute_ = 0;
std::int64_t StsAttackTest::replay_cache_entries_ = 0;
TempDir* StsAttackTest::dir_ = nullptr;
std::string* StsAttackTest::db_ = nullptr;
std::string* StsAttackTest::home_ = nullptr;
RunningService* StsAttackTest::sts_ = nullptr;
std::uint16_t StsAttackTest::port_ = 0;
wt::TestSigner* StsAttackTest::svc_ = nullptr;
std::optional<crypto::EvpPkeyPtr>* StsAttackTest::tenant_key_ = nullptr;
std::optional<crypto::X509Ptr>* StsAttackTest::tenant_cert_ = nullptr;
std::string* StsAttackTest::issuer_ = nullptr;
std::string* StsAttackTest::alice_upn_ = nullptr;

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "no " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string between(const std::string& s, std::string_view open, std::string_view close) {
  auto b = s.find(open);
  if (b == std::string::npos) return {};
  b += open.size();
  auto e = s.find(close, b);
  return e == std::string::npos ? std::string() : s.substr(b, e - b);
}

ProcessResult StsAttackTest::run(const std::vector<std::string>& argv) {
  ProcessOptions o;
  o.env = {"SIGIL_DB=" + *db_, "SIGIL_HOME=" + *home_};
  o.timeout = 60s;
  auto r = run_process(argv, o);
  EXPECT_TRUE(r) << r.error();
  return r ? *r : ProcessResult{};
}

std::string StsAttackTest::write_file(const std::string& name, const std::string& text) {
  std::ofstream(path(name), std::ios::binary) << text;
  return path(name);
}

namespace {

void add_user(const std::string& db, const std::string& home, const std::string& name) {
  ProcessOptions o;
  o.env = {"SIGIL_DB=" + db, "SIGIL_HOME=" + home};
  o.stdin_data = "Right-pass1\n";
  auto r = run_process({sigilctl_binary(), "user", "add", name, "--password-stdin"}, o);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->exit_code, 0) << r->err;
}

}  // namespace

void StsAttackTest::SetUpTestSuite() {
  xml::XmlSecLibrary::ensure();
  auto dir = TempDir::create("sigil-attacks-");
  ASSERT_TRUE(dir) << dir.error();
  dir_ = new TempDir(std::move(*dir));
  db_ = new std::string(PgEnvironment::instance().fresh_database());
  std::vector<std::string> args{"--db", *db_, "--client-cert", "optional"};
  if (login_attempts_per_minute_ > 0) {
    args.insert(args.end(),
                {"--login-attempts-per-minute", std::to_string(login_attempts_per_minute_)});
  }
  if (replay_cache_entries_ > 0) {
    args.insert(args.end(),
                {"--wss-replay-cache-entries", std::to_string(replay_cache_entries_)});
  }
  auto sts = RunningService::start(sts_binary(), args);
  ASSERT_TRUE(sts) << sts.error();
  sts_ = new RunningService(std::move(*sts));
  std::optional<std::uint16_t> port;
  for (int i = 0; i < 50 && !port; ++i, std::this_thread::sleep_for(100ms)) {
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
  for (const char* user : {"alice", "admin", "admin.eve"}) add_user(*db_, *home_, user);
  svc_ = new wt::TestSigner(wt::make_signer("svc-attacks"));
  write_file("svc.pem", *crypto::write_certificate_pem(svc_->cert.get()));
  write_file("svc.key", std::string(crypto::write_private_key_pem(svc_->key.get())->view()));
  auto added = run({sigilctl_binary(), "solution-user", "add", "svc", "--cert", path("svc.pem"),
                    "--group", "ActAsUsers"});
  ASSERT_EQ(added.exit_code, 0) << added.err;

  // The tenant signing key, opened the way sts opens it.
  auto conn = db::connect(*db_);
  ASSERT_TRUE(conn) << conn.error();
  pqxx::work tx(**conn);
  auto row = tx.exec1(
      "select k.key_id, k.certificate_chain_pem, "
      "k.private_key_ciphertext from signing_keys k "
      "join tenants t on t.id = k.tenant_id where t.name = "
      "'vsphere.local' and k.state = 'active'");
  auto mk = crypto::load_master_key(*home_ + "/master.key");
  ASSERT_TRUE(mk) << mk.error();
  auto key = crypto::open_private_key(*mk, row[2].as<std::string>(),
                                      "tenant=vsphere.local;key=" + row[0].as<std::string>());
  ASSERT_TRUE(key) << key.error();
  tenant_key_ = new std::optional<crypto::EvpPkeyPtr>(std::move(*key));
  auto chain = crypto::parse_certificate_bundle(row[1].as<std::string>());  // leaf first
  ASSERT_TRUE(chain && !chain->empty()) << row[1].as<std::string>();
  tenant_cert_ = new std::optional<crypto::X509Ptr>(std::move(chain->front()));
  write_file("tenant-signing.pem", *crypto::write_certificate_pem(tenant_cert()));

  std::string token = bearer_token("alice");
  ASSERT_FALSE(token.empty());
  issuer_ = new std::string(between(token, "nameid-format:entity\">", "</saml2:Issuer>"));
  alice_upn_ = new std::string(between(token, "claims/UPN\">", "</saml2:NameID>"));
  ASSERT_FALSE(issuer_->empty()) << token;
  ASSERT_EQ(*alice_upn_, "alice@VSPHERE.LOCAL");
}

void StsAttackTest::TearDownTestSuite() {
  if (sts_ != nullptr) {
    EXPECT_TRUE(sts_->process().running()) << sts_->log();
  }
  delete alice_upn_;
  alice_upn_ = nullptr;
  delete issuer_;
  issuer_ = nullptr;
  delete tenant_cert_;
  tenant_cert_ = nullptr;
  delete tenant_key_;
  tenant_key_ = nullptr;
  delete svc_;
  svc_ = nullptr;
  delete sts_;
  sts_ = nullptr;
  delete home_;
  home_ = nullptr;
  delete db_;
  db_ = nullptr;
  delete dir_;
  dir_ = nullptr;
}

Answer StsAttackTest::post(const std::string& body, const std::string& action,
                           const std::vector<std::string>& curl_args, const std::string& tenant) {
  write_file("req.xml", body);
  std::vector<std::string> argv{
      "curl",       "-sS",
      "--max-time", "20",
      "--cacert",   *home_ + "/tls/server.crt",
      "-H",         "Content-Type: text/xml; charset=\"UTF-8\"",
      "-H",         "SOAPAction: " + std::string(ns::kWst) + "/RST/" + action};
  argv.insert(argv.end(), curl_args.begin(), curl_args.end());
  for (const char* a : {"--data-binary", "-w", "\n%{http_code}"}) argv.emplace_back(a);
  argv.insert(argv.end() - 2, "@" + path("req.xml"));
  argv.push_back("https://127.0.0.1:" + std::to_string(port_) + "/sts/STSService/" + tenant);
  ProcessOptions o;
  o.timeout = 30s;
  auto r = run_process(argv, o);
  EXPECT_TRUE(r) << r.error();
  Answer a;
  if (!r) return a;
  auto nl = r->out.rfind('\n');
  a.status = nl == std::string::npos ? 0 : std::atoi(r->out.substr(nl + 1).c_str());
  a.body = r->out.substr(0, nl == std::string::npos ? 0 : nl);
  return a;
}

namespace {

std::string rst_xml(const RstSpec& r) {
  const std::string wst(ns::kWst);
  std::string out = "<RequestSecurityToken xmlns=\"" + wst + "\">";
  out += r.request_type == "Validate"
             ? "<TokenType>" + wst + "/RSTR/Status</TokenType>"
             : "<TokenType>urn:oasis:names:tc:SAML:2.0:assertion</TokenType>";
  out += "<RequestType>" + wst + "/" + r.request_type + "</RequestType>";
  if (r.request_type == "Issue") {
    out +=
        std::string("<Renewing Allow=\"") + (r.renewable ? "true" : "false") + "\" OK=\"false\"/>";
    out += std::string("<Delegatable>") + (r.delegatable ? "true" : "false") + "</Delegatable>";
  }
  if (!r.act_as.empty()) {
    out += "<wst14:ActAs xmlns:wst14=\"" + std::string(ns::kWst14) + "\">" + r.act_as +
           "</wst14:ActAs>";
  }
  if (!r.key_type.empty()) out += "<KeyType>" + wst + "/" + r.key_type + "</KeyType>";
  if (!r.use_key_sig.empty()) out += "<UseKey Sig=\"" + r.use_key_sig + "\"/>";
  if (!r.renew_target.empty()) out += "<RenewTarget>" + r.renew_target + "</RenewTarget>";
  if (!r.validate_target.empty()) {
    out += "<ValidateTarget>" + r.validate_target + "</ValidateTarget>";
  }
  return out + "</RequestSecurityToken>";
}

}  // namespace

std::string StsAttackTest::request(const RstSpec& rst_in, const Credential& cred) {
  const std::string wsu(ns::kWsu);
  const bool signs = cred.bst != nullptr || cred.token_key != nullptr;
  RstSpec rst = rst_in;
  if (signs && rst.use_key_sig.empty() && rst.request_type != "Validate") rst.use_key_sig = "_sig";
  auto now = std::chrono::system_clock::now();
  std::string header;
  if (cred.timestamp) {
    header += "<wsu:Timestamp xmlns:wsu=\"" + wsu + "\" wsu:Id=\"_ts\"><wsu:Created>" +
              format_time_ms(cred.created.value_or(now)) + "</wsu:Created><wsu:Expires>" +
              format_time_ms(cred.expires.value_or(now + 60s)) + "</wsu:Expires></wsu:Timestamp>";
  }
  if (!cred.token.empty()) header += cred.token;
  if (cred.bst != nullptr) {
    header += "<wsse:BinarySecurityToken xmlns:wsu=\"" + wsu + "\" EncodingType=\"" +
              std::string(saml::uri::kWssBase64Binary) + "\" ValueType=\"" +
              std::string(saml::uri::kWssX509v3) + "\" wsu:Id=\"_bst\">" + cred.bst->cert_b64 +
              "</wsse:BinarySecurityToken>";
  }
  if (!cred.username.empty()) {
    header += "<wsse:UsernameToken><wsse:Username>" + cred.username +
              "</wsse:Username><wsse:Password>" + cred.password +
              "</wsse:Password></wsse:UsernameToken>";
  }
  if (signs) header += "@SIGNATURE@";
  std::string envelope = "<S:Envelope xmlns:S=\"" + std::string(ns::kSoap) +
                         "\"><S:Header><wsse:Security xmlns:wsse=\"" + std::string(ns::kWsse) +
                         "\">" + header + "</wsse:Security></S:Header><S:Body xmlns:wsu=\"" + wsu +
                         "\" wsu:Id=\"_body\">" + rst_xml(rst) + "</S:Body></S:Envelope>";
  if (!signs) return envelope;
  wt::SignatureSpec spec;
  spec.alg = cred.alg;
  spec.reference_ids = {"_ts", "_body"};
  spec.id = "_sig";
  if (cred.bst != nullptr) {
    spec.key_info =
        "<wsse:SecurityTokenReference><wsse:Reference "
        "URI=\"#_bst\" ValueType=\"" +
        std::string(saml::uri::kWssX509v3) + "\"/></wsse:SecurityTokenReference>";
    return wt::sign_envelope(envelope, cred.bst->key.get(), spec);
  }
  std::string token_id = between(cred.token, " ID=\"", "\"");
  spec.key_info = "<wsse:SecurityTokenReference xmlns:wsse11=\"" + std::string(ns::kWsse11) +
                  "\" wsse11:TokenType=\"" + std::string(saml::uri::kWssTokenTypeSaml2) +
                  "\"><wsse:KeyIdentifier ValueType=\"" + std::string(saml::uri::kWssSamlId) +
                  "\">" + token_id + "</wsse:KeyIdentifier></wsse:SecurityTokenReference>";
  return wt::sign_envelope(envelope, cred.token_key, spec);
}

Answer StsAttackTest::send(const RstSpec& rst, const Credential& cred,
                           const std::vector<std::string>& curl_args) {
  return post(request(rst, cred), rst.request_type, curl_args);
}

std::string StsAttackTest::token_of(const std::string& body) {
  auto b = body.find("<saml2:Assertion");
  auto e = body.find("</saml2:Assertion>");
  if (b == std::string::npos || e == std::string::npos) return {};
  return body.substr(b, e + 18 - b);
}

std::string StsAttackTest::bearer_token(const std::string& user, bool delegatable) {
  RstSpec rst;
  rst.delegatable = delegatable;
  rst.renewable = true;
  Credential cred;
  cred.username = user;
  cred.password = "Right-pass1";
  Answer a = send(rst, cred);
  EXPECT_EQ(a.status, 200) << a.body;
  return token_of(a.body);
}

std::string StsAttackTest::hok_token(const std::string& user, bool renewable) {
  RstSpec rst;
  rst.key_type = "PublicKey";
  rst.renewable = renewable;
  rst.delegatable = true;
  Credential cred;
  cred.bst = svc_;
  if (!user.empty()) {
    cred.username = user;
    cred.password = "Right-pass1";
  }
  Answer a = send(rst, cred);
  EXPECT_EQ(a.status, 200) << a.body;
  return token_of(a.body);
}

bool StsAttackTest::validates(const std::string& token) {
  RstSpec rst;
  rst.request_type = "Validate";
  rst.key_type.clear();
  rst.validate_target = token;
  Credential none;
  none.timestamp = false;
  Answer a = send(rst, none);
  EXPECT_EQ(a.status, 200) << a.body;
  const bool valid = a.body.find("/status/valid<") != std::string::npos;
  const bool invalid = a.body.find("/status/invalid<") != std::string::npos;
  EXPECT_NE(valid, invalid) << a.body;
  return valid;
}

double StsAttackTest::metric(const std::string& family, const std::string& label) {
  ProcessOptions o;
  o.timeout = 20s;
  auto r = run_process({"curl", "-sS", "--max-time", "10", sts_->base_url() + "/metrics"}, o);
  EXPECT_TRUE(r && r->exit_code == 0);
  double sum = 0;
  if (!r) return sum;
  for (const std::string& line : lines(r->out)) {
    if (line.rfind(family, 0) != 0 ||
        (line.size() > family.size() && line[family.size()] != '{' && line[family.size()] != ' ')) {
      continue;
    }
    if (!label.empty() && line.find(label) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

void StsAttackTest::expect_fault(const Answer& a, std::string_view code) {
  EXPECT_EQ(a.status, 500) << a.body;
  EXPECT_NE(a.body.find(">ns0:" + std::string(code) + "</faultcode>"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("<saml2:Assertion"), std::string::npos) << a.body;
}

void StsAttackTest::expect_still_issuing() {
  const double before = tokens_issued();
  EXPECT_FALSE(bearer_token("alice").empty());
  EXPECT_EQ(tokens_issued(), before + 1);
}

}  // namespace sigil::testing
