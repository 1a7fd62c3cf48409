// certmgr's admin API, end to end: a real sigil-certmgr (admin HTTPS on 127.0.0.1), the real
// sigilctl, the harness PostgreSQL. Who is refused (401/403, certificate and token paths), what
// an administrator can do, and that every change is audit-logged with the actor.

#include <fstream>
#include <optional>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/transaction>

#include "../../sigilctl/admin_env.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/keys/sealed_key.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/writer.hpp"
#include "sigil/xml/library.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using boost::beast::http::verb;

struct Identity {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string cert_pem;
  std::string key_pem;
};

Identity self_signed(const std::string& cn, std::chrono::hours validity = 24h * 365,
                     bool is_ca = false, crypto::KeyType type = crypto::KeyType::kEcdsaP256) {
  Identity id;
  id.key = crypto::generate_key(type).value();
  crypto::CertRequest req;
  const TimePoint now = std::chrono::system_clock::now();
  req.subject.common_name = cn;
  req.subject_key = id.key.get();
  req.issuer_key = id.key.get();
  req.not_before = now - 1h;
  req.not_after = now + validity;
  req.is_ca = is_ca;
  req.key_usage.digital_signature = true;
  req.key_usage.key_cert_sign = is_ca;
  id.cert = crypto::issue_certificate(req).value();
  id.cert_pem = crypto::write_certificate_pem(id.cert.get()).value();
  id.key_pem = std::string(crypto::write_private_key_pem(id.key.get()).value().view());
  return id;
}

class AdminApi : public AdminApiFixture {
 protected:
  Result<http::ClientResponse> send(verb method, const std::string& p, const Identity* client,
                                    const std::string& authorization = "",
                                    const std::string& body = "") {
    http::ClientRequest r = request(method, p);
    if (client != nullptr) {
      r.tls.client_cert_pem = client->cert_pem;
      r.tls.client_key_pem = client->key_pem;
    }
    if (!authorization.empty()) r.headers.emplace_back("Authorization", authorization);
    if (!body.empty()) {
      r.body = body;
      r.content_type = "application/json";
    }
    return http::send(r);
  }

  Identity admin_identity() const {
    Identity id;
    id.cert_pem = file("admin.crt");
    id.key_pem = file("admin.key");
    return id;
  }

  static std::string error_of(const http::ClientResponse& r) {
    std::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("error")) return "(no JSON error)";
    return std::string(v.at("error").as_string());
  }

  // Everything a key-set change could touch, as text.
  std::string key_set_dump() {
    auto conn = db::connect(conninfo());
    EXPECT_TRUE(conn);
    pqxx::work tx(**conn);
    return tx.exec1(
                 "SELECT coalesce((SELECT string_agg(row_to_json(k)::text, E'\\n' ORDER BY id) "
                 "FROM signing_keys k), '') || (SELECT string_agg(row_to_json(t)::text, E'\\n') "
                 "FROM tenants t) || (SELECT count(*)::text FROM audit_log)")[0]
        .as<std::string>();
  }

  // A token for `upn` signed with the tenant's active key (what sts issues), or with `forger`.
  std::string token(const std::string& upn, const std::vector<std::string>& groups,
                    TimePoint now, const std::string& issuer_host = "localhost",
                    const Identity* forger = nullptr, const Identity* holder = nullptr,
                    std::optional<std::string> audience = std::nullopt) {
    (void)xml::XmlSecLibrary::ensure();
    auto conn = db::connect(conninfo());
    EXPECT_TRUE(conn);
    pqxx::work tx(**conn);
    auto row = tx.exec1(
        "SELECT k.key_id, k.certificate_chain_pem, k.private_key_ciphertext FROM signing_keys k "
        "WHERE k.state = 'active'");
    auto mk = crypto::load_master_key(path("master.key")).value();
    crypto::EvpPkeyPtr key;
    crypto::X509Ptr cert;
    if (forger != nullptr) {
      key = crypto::read_private_key_pem(forger->key_pem).value();
      cert = crypto::parse_certificate_pem(forger->cert_pem).value();
    } else {
      key = crypto::open_private_key(mk, row[2].as<std::string>(),
                                     keys::signing_key_aad("vsphere.local", row[0].as<std::string>()))
                .value();
      cert = std::move(crypto::parse_certificate_bundle(row[1].as<std::string>()).value().front());
    }
    saml::AssertionSpec s;
    s.id = "_" + crypto::hex_encode(crypto::sha256(crypto::bytes_of(upn + format_rfc3339(now))));
    s.issue_instant = now;
    s.issuer = "https://" + issuer_host + "/websso/SAML2/Metadata/vsphere.local";
    s.subject_upn = upn;
    s.not_before = now;
    s.not_on_or_after = now + 10min;
    s.authn_instant = now;
    s.attributes = {{"Groups", std::string(saml::uri::kAttrGroups), groups},
                    {"Subject Type", std::string(saml::uri::kAttrSubjectType), {"false"}}};
    s.audience = std::move(audience);
    if (holder != nullptr) {
      s.confirmation = saml::Confirmation::kHolderOfKey;
      auto hder = crypto::write_certificate_der(
                      crypto::parse_certificate_pem(holder->cert_pem).value().get())
                      .value();
      s.hok_certificate_b64 = crypto::base64_encode(hder);
    }
    auto der = crypto::write_certificate_der(cert.get()).value();
    auto wire = saml::write_signed_assertion(s, {key.get(), {crypto::base64_encode(der)}});
    EXPECT_TRUE(wire) << wire.error();
    return wire ? *wire : std::string();
  }
  std::string saml_header(const std::string& xml) {
    return "SAML " + crypto::base64_encode(crypto::bytes_of(xml));
  }
};

TEST_F(AdminApi, RefusesRequestsWithoutAValidCredential) {
  auto none = send(verb::get, "/signing-certs", nullptr);
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(none->status, 401u) << none->body;
  EXPECT_EQ(error_of(*none), "unauthenticated");
  EXPECT_EQ(none->content_type, "application/json");

  Identity stranger = self_signed("stranger");
  auto unknown = send(verb::get, "/signing-certs", &stranger);
  ASSERT_TRUE(unknown) << unknown.error();
  EXPECT_EQ(unknown->status, 401u) << unknown->body;
  EXPECT_EQ(error_of(*unknown), "auth_failed");

  auto basic = send(verb::get, "/signing-certs", nullptr, "Basic YWRtaW46YWRtaW4=");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401u);
  auto garbage = send(verb::get, "/signing-certs", nullptr, "SAML bm90IGEgdG9rZW4=");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 401u) << garbage->body;

  // Nothing leaks: a refused refresh changes nothing.
  const std::string before = key_set_dump();
  auto refresh = send(verb::post, "/signing-certs/refresh", &stranger, "", "{}");
  ASSERT_TRUE(refresh);
  EXPECT_EQ(refresh->status, 401u);
  EXPECT_EQ(key_set_dump(), before);

  // sigilctl without a credential: one line, exit 1.
  auto r = ctl({"signing-cert", "list"}, "", {"SIGIL_CLIENT_CERT=", "SIGIL_CLIENT_KEY="});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("authentication required"), std::string::npos) << r.err;
  EXPECT_NE(certmgr_->log().find("event=admin.request"), std::string::npos);
  EXPECT_NE(certmgr_->log().find("result=unauthenticated"), std::string::npos);
}

TEST_F(AdminApi, ASolutionUserOutsideAdministratorsIsForbidden) {
  Identity svc = self_signed("svc");
  std::ofstream(path("svc.crt")) << svc.cert_pem;
  ASSERT_EQ(ctl({"solution-user", "add", "svc", "--cert", path("svc.crt"), "--group", "Users"})
                .exit_code,
            0);
  auto r = send(verb::get, "/signing-certs", &svc);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 403u) << r->body;
  EXPECT_EQ(error_of(*r), "permission_denied");
  auto admin = admin_identity();
  auto ok = send(verb::get, "/whoami", &admin);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200u) << ok->body;
  auto who = json::parse(ok->body);
  EXPECT_EQ(who.at("name").as_string(), "sigilctl-admin");
  EXPECT_EQ(who.at("actor").as_string().subview(0, 12), "cert:sha256:");
  auto other_tenant = send(verb::get, "/signing-certs", &admin);
  ASSERT_TRUE(other_tenant);
  EXPECT_EQ(other_tenant->status, 200u);
  auto missing = ctl({"signing-cert", "list", "--tenant", "nowhere.example"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "sigilctl: no such tenant\n");
}

TEST_F(AdminApi, TokensOfAdministratorsAreAcceptedAndAllOthersRefused) {
  ASSERT_EQ(ctl({"user", "add", "Administrator", "--group", "Administrators", "--password-stdin"},
                "Admin-pass1\n")
                .exit_code,
            0);
  ASSERT_EQ(ctl({"user", "add", "alice", "--group", "Users", "--password-stdin"}, "Alice-pass1\n")
                .exit_code,
            0);
  const TimePoint now = std::chrono::system_clock::now();
  const std::vector<std::string> admins = {"vsphere.local\\Administrators",
                                           "vsphere.local\\Everyone"};
  auto good = send(verb::get, "/whoami", nullptr,
                   saml_header(token("Administrator@VSPHERE.LOCAL", admins, now)));
  ASSERT_TRUE(good) << good.error();
  EXPECT_EQ(good->status, 200u) << good->body;
  EXPECT_EQ(json::parse(good->body).at("actor").as_string(), "user:Administrator@VSPHERE.LOCAL");

  // alice's token is genuine but she is no administrator, whatever it claims.
  auto user = send(verb::get, "/whoami", nullptr,
                   saml_header(token("alice@VSPHERE.LOCAL", {"vsphere.local\\Users"}, now)));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->status, 403u) << user->body;
  auto claims = send(verb::get, "/whoami", nullptr,
                     saml_header(token("alice@VSPHERE.LOCAL", admins, now)));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->status, 403u) << claims->body;

  auto expired = send(verb::get, "/whoami", nullptr,
                      saml_header(token("Administrator@VSPHERE.LOCAL", admins, now - 2h)));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401u) << expired->body;
  Identity forger = self_signed("vsphere.local token signing", 24h * 365, false,
                                crypto::KeyType::kRsa2048);
  auto forged = send(verb::get, "/whoami", nullptr,
                     saml_header(token("Administrator@VSPHERE.LOCAL", admins, now, "localhost",
                                       &forger)));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401u) << forged->body;
  auto issuer = send(verb::get, "/whoami", nullptr,
                     saml_header(token("Administrator@VSPHERE.LOCAL", admins, now, "evil.test")));
  ASSERT_TRUE(issuer);
  EXPECT_EQ(issuer->status, 401u) << issuer->body;

  // A holder-of-key token works only over TLS with the holder's certificate.
  Identity holder = self_signed("holder");
  const std::string hok = saml_header(
      token("Administrator@VSPHERE.LOCAL", admins, now, "localhost", nullptr, &holder));
  auto hok_bare = send(verb::get, "/whoami", nullptr, hok);
  ASSERT_TRUE(hok_bare);
  EXPECT_EQ(hok_bare->status, 401u) << hok_bare->body;
  Identity stranger = self_signed("stranger");
  auto hok_other = send(verb::get, "/whoami", &stranger, hok);
  ASSERT_TRUE(hok_other);
  EXPECT_EQ(hok_other->status, 401u) << hok_other->body;
  auto hok_holder = send(verb::get, "/whoami", &holder, hok);
  ASSERT_TRUE(hok_holder);
  EXPECT_EQ(hok_holder->status, 200u) << hok_holder->body;

  // sigilctl --token-file: the XML as sts returns it.
  std::ofstream(path("admin.token")) << token("Administrator@VSPHERE.LOCAL", admins, now);
  auto r = ctl({"--token-file", path("admin.token"), "signing-cert", "refresh"}, "",
               {"SIGIL_CLIENT_CERT=", "SIGIL_CLIENT_KEY="});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto audit = ctl_json({"audit", "list", "--limit", "1"});
  ASSERT_EQ(audit.at("entries").as_array().size(), 1u);
  EXPECT_EQ(audit.at("entries").as_array()[0].at("actor").as_string(),
            "user:Administrator@VSPHERE.LOCAL");
  EXPECT_EQ(audit.at("entries").as_array()[0].at("action").as_string(), "signing-key.rotate");
}

TEST_F(AdminApi, ATokenForAnotherAudienceIsNoAdminCredential) {
  ASSERT_EQ(ctl({"user", "add", "Administrator", "--group", "Administrators", "--password-stdin"},
                "Admin-pass1\n")
                .exit_code,
            0);
  const TimePoint now = std::chrono::system_clock::now();
  const std::vector<std::string> admins = {"vsphere.local\\Administrators"};
  const std::string upn = "Administrator@VSPHERE.LOCAL";
  // Genuine tokens of an administrator, meant for another service: refused (docs/admin-api.md).
  for (const char* other : {"https://vcenter.example/sdk", "urn:sigil:certmgr:admin2", ""}) {
    SCOPED_TRACE(other);
    auto r = send(verb::get, "/whoami", nullptr,
                  saml_header(token(upn, admins, now, "localhost", nullptr, nullptr,
                                    std::string(other))));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->status, 401u) << r->body;
    EXPECT_NE(r->body.find("audience"), std::string::npos) << r->body;
  }
  // certmgr's own audience, and no audience at all, are accepted.
  auto own = send(verb::get, "/whoami", nullptr,
                  saml_header(token(upn, admins, now, "localhost", nullptr, nullptr,
                                    std::string("urn:sigil:certmgr:admin"))));
  ASSERT_TRUE(own) << own.error();
  EXPECT_EQ(own->status, 200u) << own->body;
  auto none = send(verb::get, "/whoami", nullptr, saml_header(token(upn, admins, now)));
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(none->status, 200u) << none->body;
}

TEST_F(AdminApi, ChangesAreAuditLoggedWithTheCertificateActor) {
  auto before = ctl_json({"signing-cert", "list"});
  auto refreshed = ctl_json({"signing-cert", "refresh", "--key-type", "ecdsa-p256"});
  EXPECT_NE(refreshed.at("activated_key_id").as_string(), "");
  auto der = crypto::write_certificate_der(
                 crypto::parse_certificate_pem(file("admin.crt")).value().get())
                 .value();
  const std::string actor = "cert:sha256:" + crypto::hex_encode(crypto::sha256(der));
  auto audit = ctl_json({"audit", "list", "--limit", "1"});
  ASSERT_EQ(audit.at("entries").as_array().size(), 1u);
  const auto& newest = audit.at("entries").as_array()[0];
  EXPECT_EQ(newest.at("action").as_string(), "signing-key.rotate");
  EXPECT_EQ(newest.at("actor").as_string(), actor);
  EXPECT_EQ(newest.at("target").as_string(), refreshed.at("activated_key_id").as_string());
  EXPECT_NE(certmgr_->log().find("actor=" + actor), std::string::npos);
  auto text = ctl({"audit", "list"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("signing-key.rotate"), std::string::npos) << text.out;
}

TEST_F(AdminApi, RejectedImportsLeaveTheKeySetByteForByteAsItWas) {
  const std::string before = key_set_dump();
  Identity ca = self_signed("a CA", 24h * 800, true);
  Identity expired = self_signed("expired", 24h * 800);
  Identity other = self_signed("other", 24h * 800);
  Identity weak = self_signed("short", 24h * 20);
  struct Case {
    std::string cert, key, check;
  } cases[] = {{ca.cert_pem, ca.key_pem, "not-ca"},
               {expired.cert_pem, other.key_pem, "key-matches"},
               {"not a certificate", other.key_pem, "certificate-pem"},
               {weak.cert_pem, weak.key_pem, "expiry-margin"}};
  auto admin = admin_identity();
  for (const auto& c : cases) {
    json::object body{{"certificate", c.cert}, {"private_key", c.key}, {"activate", true}};
    auto r = send(verb::post, "/signing-certs/import", &admin, "", json::serialize(body));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->status, 400u) << r->body;
    auto v = json::parse(r->body);
    bool named = false;
    for (const auto& check : v.at("checks").as_array()) {
      if (check.at("name").as_string() == c.check && check.at("status").as_string() != "pass") {
        named = true;
      }
    }
    EXPECT_TRUE(named) << c.check << ": " << r->body;
    if (c.check != "certificate-pem") {
      EXPECT_NE(r->body.find(R"({"name":"certificate-pem","status":"pass")"), std::string::npos)
          << r->body;
    }
    EXPECT_EQ(key_set_dump(), before) << c.check;
  }
  auto unknown_field = send(verb::post, "/signing-certs/import", &admin, "",
                            R"({"certificate":"x","private_key":"y","activte":true})");
  ASSERT_TRUE(unknown_field);
  EXPECT_EQ(unknown_field->status, 400u);
  EXPECT_NE(unknown_field->body.find("activte"), std::string::npos);
  EXPECT_EQ(key_set_dump(), before);
}

TEST_F(AdminApi, ExportKeyWritesAPkcs12ThatOpensslOpensWithThePassphrase) {
  auto r = ctl({"signing-cert", "export-key", "--out", path("dr.p12"), "--passphrase-stdin"},
               "correct horse battery\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("exported sk-"), std::string::npos) << r.out;
  auto opened = run_process({"openssl", "pkcs12", "-in", path("dr.p12"), "-passin",
                             "pass:correct horse battery", "-nodes"});
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->exit_code, 0) << opened->err;
  EXPECT_NE(opened->out.find("PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(opened->out.find("token signing"), std::string::npos);
  auto wrong = run_process({"openssl", "pkcs12", "-in", path("dr.p12"), "-passin", "pass:nope",
                            "-nodes"});
  ASSERT_TRUE(wrong);
  EXPECT_NE(wrong->exit_code, 0);
  auto again = ctl({"signing-cert", "export-key", "--out", path("dr.p12"), "--passphrase-stdin"},
                   "correct horse battery\n");
  EXPECT_EQ(again.exit_code, 1) << "never overwrites";
  auto short_pass = ctl({"signing-cert", "export-key", "--out", path("dr2.p12"),
                         "--passphrase-stdin"},
                        "short\n");
  EXPECT_EQ(short_pass.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(path("dr2.p12")));
  auto audit = ctl_json({"audit", "list", "--limit", "5"});
  int exports = 0;
  for (const auto& e : audit.at("entries").as_array()) {
    if (e.at("action").as_string() == "signing-key.export") ++exports;
  }
  EXPECT_EQ(exports, 1);
}

TEST_F(AdminApi, RunOnceAndAlarmsTravelInTime) {
  // A third-party certificate with 80 days left: certmgr cannot renew it; it alarms at once.
  Identity partner = self_signed("partner", 24h * 80, false, crypto::KeyType::kRsa2048);
  std::ofstream(path("partner.crt")) << partner.cert_pem;
  std::ofstream(path("partner.key")) << partner.key_pem;
  auto imported = ctl({"signing-cert", "import", "--cert", path("partner.crt"), "--key",
                       path("partner.key"), "--activate", "--force"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  const std::string before = key_set_dump();
  auto dry = ctl_json({"certmgr", "run-once", "--dry-run"});
  EXPECT_TRUE(dry.at("dry_run").as_bool());
  EXPECT_EQ(key_set_dump(), before) << "a dry run changes nothing";
  EXPECT_EQ(ctl_json({"alarms", "list"}).at("alarms").as_array().size(), 0u);

  auto pass = ctl_json({"certmgr", "run-once"});
  EXPECT_EQ(pass.at("failures").as_int64(), 0);
  auto alarms = ctl_json({"alarms", "list"}).at("alarms").as_array();
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0].at("kind").as_string(), "signing-cert.expiry");
  EXPECT_EQ(alarms[0].at("severity").as_string(), "warning");
  const std::string year_ago = format_rfc3339(std::chrono::system_clock::now() - 24h * 365);
  EXPECT_EQ(ctl_json({"alarms", "list", "--at", year_ago}).at("alarms").as_array().size(), 0u);
  auto text = ctl({"alarms", "list"});
  EXPECT_NE(text.out.find("signing-cert.expiry"), std::string::npos) << text.out;

  // Refresh replaces the third-party key with one from the built-in CA; the next pass clears.
  auto refreshed = ctl_json({"signing-cert", "refresh"});
  auto shown = ctl_json({"signing-cert", "show"});
  EXPECT_EQ(shown.at("source").as_string(), "builtin-ca");
  auto later = format_rfc3339(std::chrono::system_clock::now() + 1min);
  ASSERT_EQ(ctl({"certmgr", "run-once", "--at", later}).exit_code, 0);
  EXPECT_EQ(ctl_json({"alarms", "list"}).at("alarms").as_array().size(), 0u);
  auto bad = ctl({"certmgr", "run-once", "--at", "tomorrow"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("RFC 3339"), std::string::npos) << bad.err;
  // Ten years on, the built-in CA's key is renewed (dry run: previewed only).
  auto future = ctl_json({"certmgr", "run-once", "--dry-run", "--at",
                          format_rfc3339(std::chrono::system_clock::now() + 24h * 3600)});
  EXPECT_NE(json::serialize(future).find("renewal.pending"), std::string::npos)
      << json::serialize(future);
}

TEST_F(AdminApi, MetricsStayPromtoolClean) {
  auto admin = admin_identity();
  ASSERT_TRUE(send(verb::get, "/signing-certs", &admin));
  ASSERT_TRUE(send(verb::get, "/signing-certs", nullptr));
  auto metrics = http::get(certmgr_->base_url() + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("sigil_admin_requests_total{result=\"unauthenticated\"} 1"),
            std::string::npos)
      << metrics->body;
  auto check = promtool_check_metrics(metrics->body);
  ASSERT_TRUE(check) << check.error();
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
}

}  // namespace
}  // namespace sigil::testing
