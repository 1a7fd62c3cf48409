// The JSON REST API of a running sigil-sts over HTTPS (curl as the client, real PostgreSQL):
// issue by password and by mTLS client certificate, validate, renew, and every error path's JSON
// error and status. Tokens are the same SAML assertion WS-Trust issues: the WS-Trust endpoint
// validates a REST token.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "rest_fixture.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/http/client.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class StsRest : public StsRestFixture {
 protected:
  static void sql(const std::string& statement) {
    auto conn = db::connect(*db_);
    ASSERT_TRUE(conn) << conn.error();
    pqxx::work tx(**conn);
    tx.exec(statement);
    tx.commit();
  }
  static double seconds_until(const boost::json::value& rfc3339) {
    auto t = parse_time(std::string(rfc3339.as_string()));
    EXPECT_TRUE(t);
    return std::chrono::duration<double>(*t - std::chrono::system_clock::now()).count();
  }
  static boost::json::object issue_ok(const std::string& body, const std::string& client = "") {
    Answer a = post(tokens(), body, client);
    EXPECT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.header("cache-control"), "no-store");
    return a.json();
  }
  static boost::json::object validate(std::string_view token,
                                      const std::string& tenant = "vsphere.local") {
    Answer a = post(tokens(tenant) + "/validate", token_body(token));
    EXPECT_EQ(a.status, 200) << a.body;
    return a.json();
  }
};

TEST_F(StsRest, PasswordGrantIssuesABearerTokenThatValidates) {
  auto issued = issue_ok(password_grant(R"(,"lifetime_s":60,"audience":"urn:test:rp")"));
  ASSERT_TRUE(issued.contains("token") && issued.contains("expires_at") && issued.contains("key_id"));
  EXPECT_EQ(issued.size(), 3u);
  EXPECT_NEAR(seconds_until(issued.at("expires_at")), 60, 5);
  EXPECT_EQ(std::string(issued.at("key_id").as_string()).substr(0, 3), "sk-");
  std::string xml = assertion_xml(issued);
  EXPECT_EQ(xml.rfind("<saml2:Assertion", 0), 0u) << xml;
  EXPECT_NE(xml.find("urn:oasis:names:tc:SAML:2.0:cm:bearer"), std::string::npos);
  EXPECT_NE(xml.find("<saml2:Audience>urn:test:rp</saml2:Audience>"), std::string::npos) << xml;

  auto v = validate(issued.at("token").as_string());
  EXPECT_TRUE(v.at("valid").as_bool()) << v;
  EXPECT_EQ(v.at("subject").as_string(), "alice@VSPHERE.LOCAL");
  EXPECT_EQ(v.at("key_id"), issued.at("key_id"));
  EXPECT_EQ(v.at("expires_at"), issued.at("expires_at"));
  EXPECT_TRUE(v.at("reason").is_null());
  const auto& groups = v.at("groups").as_array();
  EXPECT_NE(std::find(groups.begin(), groups.end(), boost::json::value("vsphere.local\\Admins")),
            groups.end()) << v;
  EXPECT_NE(std::find(groups.begin(), groups.end(), boost::json::value("vsphere.local\\Everyone")),
            groups.end()) << v;

  // The same assertion validates over WS-Trust: one core, one token format.
  constexpr char kWst[] = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
  Call soap;
  soap.path = "/sts/STSService/vsphere.local";
  soap.content_type = "text/xml; charset=utf-8";
  soap.headers = {std::string("SOAPAction: ") + kWst + "/RST/Validate"};
  soap.body = std::string("<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
                          "<RequestSecurityToken xmlns=\"") + kWst + "\"><TokenType>" + kWst +
              "/RSTR/Status</TokenType><RequestType>" + kWst + "/Validate</RequestType>"
              "<ValidateTarget>" + xml + "</ValidateTarget></RequestSecurityToken></S:Body></S:Envelope>";
  Answer ws = call(soap);
  EXPECT_EQ(ws.status, 200) << ws.body;
  EXPECT_NE(ws.body.find("/status/valid<"), std::string::npos) << ws.body;
}

TEST_F(StsRest, ALongerLifetimeIsClippedToTheTenantMaximum) {
  auto issued = issue_ok(password_grant(R"(,"lifetime_s":86400)"));
  EXPECT_NEAR(seconds_until(issued.at("expires_at")), 300, 5);  // bearer maximum
}

TEST_F(StsRest, WrongPasswordAndUnknownUserGetTheSame401) {
  Answer wrong = post(tokens(), password_grant("", "wrong"));
  expect_error(wrong, 401, "auth_failed", "Authentication failed");
  Answer unknown = post(tokens(), R"({"grant":"password","username":"mallory","password":"x"})");
  expect_error(unknown, 401, "auth_failed");
  EXPECT_EQ(wrong.body, unknown.body);
}

TEST_F(StsRest, ClientCertificateGrantIssuesBearerAndHolderOfKeyTokensAndRenewsThem) {
  auto bearer = issue_ok(R"({"grant":"client_certificate"})", "svc");
  auto v = validate(bearer.at("token").as_string());
  EXPECT_EQ(v.at("subject").as_string(), "svc@VSPHERE.LOCAL") << v;
  EXPECT_NE(assertion_xml(bearer).find("cm:bearer"), std::string::npos);

  std::string pem = read_file(path("svc.pem"));
  boost::json::object req{{"grant", "client_certificate"}, {"holder_of_key", pem}, {"lifetime_s", 3600}};
  auto hok = issue_ok(boost::json::serialize(req), "svc");
  std::string xml = assertion_xml(hok);
  EXPECT_NE(xml.find("cm:holder-of-key"), std::string::npos);
  EXPECT_NE(xml.find("rsa:RenewRestrictionType"), std::string::npos) << xml;
  EXPECT_NEAR(seconds_until(hok.at("expires_at")), 3600, 5);

  // Renew as the holder: a new token, still valid, for the same subject.
  boost::json::object renew{{"token", hok.at("token")}, {"lifetime_s", 600}};
  Answer renewed = post(tokens() + "/renew", boost::json::serialize(renew), "svc");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  auto r = renewed.json();
  EXPECT_NE(r.at("token"), hok.at("token"));
  EXPECT_NEAR(seconds_until(r.at("expires_at")), 600, 5);
  EXPECT_TRUE(validate(r.at("token").as_string()).at("valid").as_bool());
  EXPECT_EQ(validate(r.at("token").as_string()).at("subject").as_string(), "svc@VSPHERE.LOCAL");

  // Not the holder, no certificate at all, a bearer token.
  expect_error(post(tokens() + "/renew", boost::json::serialize(renew), "svc2"), 400,
               "unable_to_renew", "not signed by the token's key");
  expect_error(post(tokens() + "/renew", boost::json::serialize(renew)), 401, "unauthenticated");
  expect_error(post(tokens() + "/renew", token_body(bearer.at("token").as_string()), "svc"), 400,
               "unable_to_renew", "holder-of-key");
}

TEST_F(StsRest, APasswordUserGetsAHolderOfKeyTokenForTheCertificateItProvesInTls) {
  std::string pem = read_file(path("stranger.pem"));
  boost::json::object req{{"grant", "password"}, {"username", "alice"},
                          {"password", "Right-pass1"}, {"holder_of_key", pem}};
  auto hok = issue_ok(boost::json::serialize(req), "stranger");
  EXPECT_NE(assertion_xml(hok).find("cm:holder-of-key"), std::string::npos);
  // Without the TLS proof, or with another certificate, no holder-of-key token.
  expect_error(post(tokens(), boost::json::serialize(req)), 401, "unauthenticated",
               "proof of possession");
  expect_error(post(tokens(), boost::json::serialize(req), "svc"), 403, "permission_denied");
  req["holder_of_key"] = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  expect_error(post(tokens(), boost::json::serialize(req), "stranger"), 400, "malformed_request");
}

TEST_F(StsRest, ClientCertificateGrantNeedsARegisteredCertificate) {
  expect_error(post(tokens(), R"({"grant":"client_certificate"})"), 401, "unauthenticated",
               "TLS client certificate");
  expect_error(post(tokens(), R"({"grant":"client_certificate"})", "stranger"), 401, "auth_failed");
  expect_error(post(tokens(), R"({"grant":"client_certificate","username":"svc"})", "svc"), 400,
               "malformed_request", "takes no username");
}

TEST_F(StsRest, TamperedForeignAndGarbageTokensAreInvalid) {
  auto issued = issue_ok(password_grant());
  std::string xml = assertion_xml(issued);
  std::string forged = xml;
  forged.replace(forged.find("alice@"), 6, "admin@");
  auto v = validate(crypto::base64_encode(crypto::bytes_of(forged)));
  EXPECT_FALSE(v.at("valid").as_bool()) << v;
  EXPECT_EQ(v.at("error").as_string(), "signature_invalid") << v;
  EXPECT_TRUE(v.at("subject").is_null());
  EXPECT_FALSE(v.at("reason").as_string().empty());
  // A token of vsphere.local presented to other.local.
  auto foreign = validate(issued.at("token").as_string(), "other.local");
  EXPECT_FALSE(foreign.at("valid").as_bool()) << foreign;
  // Base64 of something that is not an assertion: an invalid token, not a bad request.
  auto junk = validate(crypto::base64_encode(crypto::bytes_of(std::string("<a/>"))));
  EXPECT_FALSE(junk.at("valid").as_bool()) << junk;
  // Not base64 at all: a bad request.
  expect_error(post(tokens() + "/validate", token_body("<saml2:Assertion/>")), 400,
               "malformed_request", "not base64");
}

TEST_F(StsRest, AnExpiredTokenIsInvalidAndCannotBeRenewed) {
  sql("UPDATE tenants SET clock_tolerance_s = 0 WHERE name = 'vsphere.local'");
  std::string pem = read_file(path("svc.pem"));
  boost::json::object req{{"grant", "client_certificate"}, {"holder_of_key", pem}, {"lifetime_s", 1}};
  auto hok = issue_ok(boost::json::serialize(req), "svc");
  std::this_thread::sleep_for(1500ms);
  auto v = validate(hok.at("token").as_string());
  EXPECT_FALSE(v.at("valid").as_bool()) << v;
  EXPECT_EQ(v.at("error").as_string(), "token_expired") << v;
  expect_error(post(tokens() + "/renew", token_body(hok.at("token").as_string()), "svc"), 401,
               "token_expired");
  sql("UPDATE tenants SET clock_tolerance_s = 600 WHERE name = 'vsphere.local'");
}

TEST_F(StsRest, EveryMalformedRequestGetsAPreciseJsonError) {
  const std::string issue = tokens();
  expect_error(post("/api/v1/tenants/nosuch.local/tokens", password_grant()), 404, "not_found");
  expect_error(post("/api/v1/tenants/nosuch.local/tokens/validate", token_body("AAAA")), 404,
               "not_found");
  Call form;
  form.path = issue;
  form.body = password_grant();
  form.content_type = "application/x-www-form-urlencoded";
  expect_error(call(form), 400, "malformed_request", "Content-Type");
  form.content_type = "Application/JSON; charset=utf-8";  // parameters and case are fine
  EXPECT_EQ(call(form).status, 200);
  expect_error(post(issue, "{\"grant\":"), 400, "malformed_request", "not valid JSON");
  expect_error(post(issue, ""), 400, "malformed_request");
  expect_error(post(issue, "[1,2]"), 400, "malformed_request", "JSON object");
  expect_error(post(issue, "\"password\""), 400, "malformed_request", "JSON object");
  expect_error(post(issue, password_grant() + "{}"), 400, "malformed_request", "after the JSON");
  expect_error(post(issue, R"({"grant":"password","grant":"client_certificate"})"), 400,
               "malformed_request", "appears twice");
  expect_error(post(issue, password_grant(R"(,"lifetime":60)")), 400, "malformed_request",
               "unknown field 'lifetime'");
  expect_error(post(issue, password_grant(R"(,"audience":{"a":1})")), 400, "malformed_request",
               "must not be an object");
  expect_error(post(issue, password_grant(R"(,"audience":["a"])")), 400, "malformed_request",
               "must not be an array");
  expect_error(post(issue, password_grant(R"(,"lifetime_s":"60")")), 400, "malformed_request",
               "must be an integer");
  expect_error(post(issue, password_grant(R"(,"lifetime_s":60.5)")), 400, "malformed_request",
               "must be an integer");
  expect_error(post(issue, password_grant(R"(,"lifetime_s":0)")), 400, "malformed_request",
               "between");
  expect_error(post(issue, password_grant(R"(,"lifetime_s":99999999999999999999)")), 400,
               "malformed_request");
  expect_error(post(issue, password_grant(R"(,"audience":null)")), 400, "malformed_request",
               "not null");
  expect_error(post(issue, "{\"grant\":\"password\",\"username\":\"al\xff\"}"), 400,
               "malformed_request");
  expect_error(post(issue, R"({"grant":"password","username":"alice"})"), 400,
               "malformed_request", "'password' is required");
  expect_error(post(issue, R"({"username":"alice","password":"x"})"), 400, "malformed_request",
               "'grant' is required");
  expect_error(post(issue, R"({"grant":"saml2-bearer"})"), 400, "unsupported");
  expect_error(post(issue, "{\"grant\":\"password\",\"username\":\"" + std::string(70000, 'a') +
                               "\"}"),
               413, "payload_too_large");
  expect_error(post(issue + "/validate", "{}"), 400, "malformed_request", "'token' is required");
  expect_error(post(issue + "/renew", R"({"token":"AAAA","holder_of_key":"x"})", "svc"), 400,
               "malformed_request", "unknown field 'holder_of_key'");
  // Wrong method: 405 from the router.
  EXPECT_EQ(get(issue).status, 405);

  // After all of it the server still issues.
  EXPECT_EQ(post(issue, password_grant()).status, 200);
  EXPECT_TRUE(sts_->process().running());
}

TEST_F(StsRest, MetricsCountRestTokensAndTimeTheRestRoutes) {
  ASSERT_EQ(post(tokens(), password_grant()).status, 200);
  auto m = http::get(sts_->base_url() + "/metrics");
  ASSERT_TRUE(m) << m.error();
  EXPECT_NE(m->body.find("sigil_tokens_issued_total{tenant=\"vsphere.local\",kind=\"bearer\"}"),
            std::string::npos) << m->body;
  EXPECT_NE(m->body.find("sigil_token_validations_total{tenant=\"vsphere.local\",result=\"invalid\"}"),
            std::string::npos);
  EXPECT_NE(m->body.find("endpoint=\"/api/v1/tenants/{tenant}/tokens\""), std::string::npos);
  auto check = promtool_check_metrics(m->body);
  ASSERT_TRUE(check) << check.error();
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
}

}  // namespace
}  // namespace sigil::testing
