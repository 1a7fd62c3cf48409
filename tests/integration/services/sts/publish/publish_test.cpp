// Publishing of the signing certificates by a running sigil-sts (curl, real PostgreSQL): the JSON
// list, the PEM bundle and the SAML metadata, their ETag/304 and Cache-Control, and what a
// rotation and a key past its verify_until do to them.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <regex>

#include "../rest/rest_fixture.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "sts/keys/tenant_keys.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class StsPublish : public StsRestFixture {
 protected:
  static constexpr char kCerts[] = "/api/v1/tenants/vsphere.local/signing-certs";
  static constexpr char kPem[] = "/api/v1/tenants/vsphere.local/signing-certs.pem";
  static constexpr char kMetadata[] = "/saml/metadata/vsphere.local";

  // Adds a self-signed key and activates it (the previous active key becomes verify-only), the
  // way the rotation operations do, in one transaction.
  static std::string rotate() {
    auto master = crypto::load_master_key(*home_ + "/master.key");
    EXPECT_TRUE(master) << master.error();
    db::ConnectionPool pool(*db_, {});
    SystemClock clock;
    auto id = db::transact(pool, "rotate", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
      auto row = tx.exec1("SELECT id FROM tenants WHERE name = 'vsphere.local'");
      return sts::keys::create_self_signed_signing_key(tx, row[0].as<std::int64_t>(),
                                                       "vsphere.local", *master,
                                                       crypto::KeyType::kEcdsaP256, clock,
                                                       std::chrono::hours(24 * 30));
    });
    EXPECT_TRUE(id) << id.error();
    return id ? *id : std::string();
  }
  static void sql(const std::string& statement) {
    auto conn = db::connect(*db_);
    ASSERT_TRUE(conn) << conn.error();
    pqxx::work tx(**conn);
    tx.exec(statement);
    tx.commit();
  }
  static boost::json::array certs() {
    Answer a = get(kCerts);
    EXPECT_EQ(a.status, 200) << a.body;
    return a.json().at("signing_certs").as_array();
  }
  // Waits (up to 5 s) until the published list has `n` keys: replicas follow NOTIFY.
  static boost::json::array wait_for_count(std::size_t n) {
    boost::json::array list;
    for (int i = 0; i < 50; ++i, std::this_thread::sleep_for(100ms)) {
      list = certs();
      if (list.size() == n) break;
    }
    return list;
  }
  static std::string issue_token() {
    Answer a = post(tokens(), password_grant());
    EXPECT_EQ(a.status, 200) << a.body;
    return std::string(a.json().at("token").as_string());
  }
  static bool valid(const std::string& token) {
    Answer a = post(tokens() + "/validate", token_body(token));
    EXPECT_EQ(a.status, 200) << a.body;
    return a.json().at("valid").as_bool();
  }
};

TEST_F(StsPublish, SigningCertsDescribeTheActiveKeyExactly) {
  Answer a = get(kCerts);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.header("content-type"), "application/json");
  EXPECT_EQ(a.header("cache-control"), "public, max-age=300");
  auto doc = a.json();
  EXPECT_EQ(doc.at("tenant").as_string(), "vsphere.local");
  EXPECT_EQ(doc.at("issuer").as_string(), "https://localhost/websso/SAML2/Metadata/vsphere.local");
  auto list = doc.at("signing_certs").as_array();
  ASSERT_EQ(list.size(), 1u) << a.body;
  auto key = list[0].as_object();
  EXPECT_EQ(key.at("state").as_string(), "active");
  EXPECT_TRUE(key.at("verify_until").is_null());
  std::string pem(key.at("pem").as_string());
  auto cert = crypto::parse_certificate_pem(pem);
  ASSERT_TRUE(cert) << cert.error();
  // The fingerprint is what openssl prints for the same PEM.
  std::ofstream(path("active.pem")) << pem;
  auto fp = run({"openssl", "x509", "-in", path("active.pem"), "-noout", "-fingerprint", "-sha256"});
  EXPECT_NE(fp.out.find(std::string(key.at("sha256_fingerprint").as_string())), std::string::npos)
      << fp.out << " vs " << key;
  // The key id is the one tokens are signed with.
  Answer issued = post(tokens(), password_grant());
  EXPECT_EQ(issued.json().at("key_id"), key.at("key_id"));
  EXPECT_TRUE(key.at("chain").is_array());
  EXPECT_TRUE(key.at("not_before").is_string() && key.at("not_after").is_string());

  // The PEM bundle holds the same certificate.
  Answer bundle = get(kPem);
  EXPECT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.header("content-type"), "application/x-pem-file");
  EXPECT_EQ(bundle.body, pem);
  EXPECT_EQ(bundle.header("etag"), a.header("etag"));
}

TEST_F(StsPublish, ETagAnswers304UntilTheKeySetChanges) {
  Answer first = get(kCerts);
  std::string etag = first.header("etag");
  ASSERT_FALSE(etag.empty()) << first.headers;
  EXPECT_EQ(etag.front(), '"');
  for (const char* p : {kCerts, kPem, kMetadata}) {
    Answer same = get(p, {"If-None-Match: " + etag});
    EXPECT_EQ(same.status, 304) << p;
    EXPECT_TRUE(same.body.empty());
    EXPECT_EQ(same.header("etag"), etag);
    EXPECT_EQ(same.header("cache-control"), "public, max-age=300");
    EXPECT_EQ(get(p, {"If-None-Match: \"0.0\", W/" + etag}).status, 304);
    EXPECT_EQ(get(p, {"If-None-Match: \"other\""}).status, 200);
  }
  rotate();
  wait_for_count(2);
  Answer after = get(kCerts, {"If-None-Match: " + etag});
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(after.header("etag"), etag);
}

TEST_F(StsPublish, MetadataNamesTheTokenIssuerAndEveryVerifyingKeyActiveFirst) {
  std::string token = issue_token();
  auto xml_bytes = crypto::base64_decode(token);
  ASSERT_TRUE(xml_bytes);
  std::string xml(xml_bytes->begin(), xml_bytes->end());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(xml, m, std::regex("<saml2:Issuer[^>]*>([^<]+)</saml2:Issuer>")));
  std::string issuer = m[1];

  auto list = certs();
  Answer md = get(kMetadata);
  ASSERT_EQ(md.status, 200) << md.body;
  EXPECT_EQ(md.header("content-type"), "application/samlmetadata+xml");
  EXPECT_NE(md.body.find("entityID=\"" + issuer + "\""), std::string::npos) << md.body;
  EXPECT_NE(md.body.find("<md:IDPSSODescriptor protocolSupportEnumeration="
                         "\"urn:oasis:names:tc:SAML:2.0:protocol\""),
            std::string::npos);
  // One signing KeyDescriptor per published key, in the same order, active first.
  std::vector<std::string> names;
  std::regex key_name("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:KeyName>([^<]+)</ds:KeyName>");
  for (auto it = std::sregex_iterator(md.body.begin(), md.body.end(), key_name);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[1]);
  }
  ASSERT_EQ(names.size(), list.size()) << md.body;
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(names[i], list[i].at("key_id").as_string());
  }
  EXPECT_EQ(list[0].at("state").as_string(), "active");
  // The document is well-formed XML (Python's parser; pysaml2 loads it in the interop tests).
  std::ofstream(path("md.xml")) << md.body;
  EXPECT_EQ(run({"/usr/bin/python3", "-c", "import sys, xml.dom.minidom; "
                 "xml.dom.minidom.parse(sys.argv[1])", path("md.xml")})
                .exit_code,
            0);
}

TEST_F(StsPublish, ARotationPublishesBothKeysAndAKeyPastVerifyUntilDisappears) {
  std::string old_token = issue_token();
  std::size_t before = certs().size();
  std::string new_key = rotate();
  auto list = wait_for_count(before + 1);
  ASSERT_EQ(list.size(), before + 1);
  EXPECT_EQ(list[0].at("key_id").as_string(), new_key);
  EXPECT_EQ(list[0].at("state").as_string(), "active");
  EXPECT_EQ(list[1].at("state").as_string(), "verify-only");
  EXPECT_TRUE(list[1].at("verify_until").is_string());
  // The PEM bundle: active first.
  auto bundle = crypto::parse_certificate_bundle(get(kPem).body);
  ASSERT_TRUE(bundle);
  ASSERT_EQ(bundle->size(), before + 1);
  auto first = crypto::write_certificate_pem(bundle->front().get());
  EXPECT_EQ(*first, std::string(list[0].at("pem").as_string()));
  // Tokens signed before the rotation still validate; new ones carry the new key id.
  EXPECT_TRUE(valid(old_token));
  Answer issued = post(tokens(), password_grant());
  EXPECT_EQ(issued.json().at("key_id").as_string(), new_key);

  // The old key's retention ends in 3 s. The key set is reloaded (the UPDATE notifies) while the
  // key is still valid; once verify_until passes, the same snapshot must stop publishing and
  // trusting it.
  std::string old_key(list[1].at("key_id").as_string());
  sql("UPDATE signing_keys SET verify_until = now() + interval '3 seconds' WHERE key_id = '" +
      old_key + "'");
  std::this_thread::sleep_for(1s);
  Answer still = get(kCerts);
  EXPECT_EQ(still.json().at("signing_certs").as_array().size(), before + 1) << still.body;
  std::this_thread::sleep_for(3s);
  Answer gone = get(kCerts);
  auto remaining = gone.json().at("signing_certs").as_array();
  for (const auto& k : remaining) EXPECT_NE(k.at("key_id").as_string(), old_key);
  EXPECT_NE(gone.header("etag"), still.header("etag"));
  EXPECT_EQ(get(kMetadata).body.find(old_key), std::string::npos);
  EXPECT_FALSE(valid(old_token));
}

// A pending key (certmgr's renewal pre-publishes the next key) is published last, with state
// "pending", before it signs anything.
TEST_F(StsPublish, APendingKeyIsPublishedBeforeItSigns) {
  auto master = crypto::load_master_key(*home_ + "/master.key");
  ASSERT_TRUE(master) << master.error();
  db::ConnectionPool pool(*db_, {});
  SystemClock clock;
  auto key = sts::keys::make_self_signed_signing_key("vsphere.local", *master,
                                                     crypto::KeyType::kEcdsaP256, clock.now(),
                                                     std::chrono::seconds(600),
                                                     std::chrono::hours(24 * 30));
  ASSERT_TRUE(key) << key.error();
  const std::string pending_id = key->key_id;
  std::size_t before = certs().size();
  auto added = db::transact(pool, "add pending", [&](pqxx::dbtransaction& tx) {
    return db::KeySetStore(tx, "test").add_pending("vsphere.local", *key, clock.now());
  });
  ASSERT_TRUE(added) << added.error();
  auto list = wait_for_count(before + 1);
  ASSERT_EQ(list.size(), before + 1);
  EXPECT_EQ(list.back().at("key_id").as_string(), pending_id);
  EXPECT_EQ(list.back().at("state").as_string(), "pending");
  EXPECT_EQ(list.front().at("state").as_string(), "active");
  EXPECT_NE(get(kMetadata).body.find(std::string(list.back().at("pem").as_string()).substr(100, 40)),
            std::string::npos)
      << "the metadata carries the pending certificate too";
  // New tokens are still signed by the active key.
  Answer issued = post(tokens(), password_grant());
  EXPECT_NE(issued.json().at("key_id").as_string(), pending_id);
}

TEST_F(StsPublish, UnknownTenantIs404JsonAndNotCached) {
  for (const char* p : {"/api/v1/tenants/nosuch.local/signing-certs",
                        "/api/v1/tenants/nosuch.local/signing-certs.pem", "/saml/metadata/nosuch.local"}) {
    Answer a = get(p);
    expect_error(a, 404, "not_found");
    EXPECT_EQ(a.header("cache-control"), "no-store");
    EXPECT_TRUE(a.header("etag").empty());
  }
  Call post_call;
  post_call.path = kCerts;
  post_call.body = "{}";
  EXPECT_EQ(call(post_call).status, 405);
}

}  // namespace
}  // namespace sigil::testing
