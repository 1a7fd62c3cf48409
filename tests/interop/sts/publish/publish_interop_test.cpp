// Relying parties that know nothing about Sigil but its published certificates: the xmlsec1
// command-line tool verifies tokens from a real sigil-sts with only the PEM bundle of
// GET /api/v1/tenants/{t}/signing-certs.pem, and pysaml2 (python3-pysaml2, driven by
// pysaml2_sp_check.py) loads GET /saml/metadata/{t} and accepts a token as a service provider
// would, and refuses a forged one and one of another tenant. Both still work across a rotation:
// tokens signed by the old key and by the new one verify with what is published afterwards.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <pqxx/pqxx>

#include "service_process.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"
#include "sts/keys/tenant_keys.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class PublishInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create("sigil-publish-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    db_ = PgEnvironment::instance().fresh_database();
    ASSERT_TRUE(crypto::create_master_key_file(path("master.key")));
    env_ = {"SIGIL_DB=" + db_, "SIGIL_HOME=" + path(""),
            "SIGIL_MASTER_KEY_FILE=" + path("master.key")};
    for (const char* tenant : {"vsphere.local", "other.local"}) {
      ASSERT_EQ(run({sigilctl_binary(), "tenant", "create", tenant}).exit_code, 0);
      ASSERT_EQ(run({sigilctl_binary(), "user", "add", "alice", "--tenant", tenant,
                     "--password-stdin"},
                    "Right-pass1\n")
                    .exit_code,
                0);
    }
    auto sts = RunningService::start(sts_binary(), {"--db", db_, "--home", path(""),
                                                    "--master-key-file", path("master.key")});
    ASSERT_TRUE(sts) << sts.error();
    sts_.emplace(std::move(*sts));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 50 && !port; ++i, std::this_thread::sleep_for(100ms)) {
      port = listener_port(sts_->log(), "main");
    }
    ASSERT_TRUE(port) << sts_->log();
    port_ = *port;
  }

  std::string path(const std::string& name) const { return (dir_->path() / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }

  ProcessResult run(std::vector<std::string> argv, std::string stdin_data = {}) {
    ProcessOptions options;
    options.env = env_;
    options.stdin_data = std::move(stdin_data);
    options.timeout = 120s;
    auto r = run_process(argv, options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  // curl over HTTPS, trusting sts's self-signed certificate; the body, or "" on failure.
  std::string curl(const std::string& target, const std::string& json_body = "") {
    std::vector<std::string> argv{"curl", "-sS", "--fail", "--max-time", "20", "--cacert",
                                  path("tls/server.crt")};
    if (!json_body.empty()) {
      argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary", json_body});
    }
    argv.push_back("https://127.0.0.1:" + std::to_string(port_) + target);
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << target << ": " << r.err;
    return r.out;
  }

  // Issues a bearer token for alice over REST; saves its assertion XML as `name`.
  void issue(const std::string& tenant, const std::string& name) {
    std::string body = curl("/api/v1/tenants/" + tenant + "/tokens",
                            R"({"grant":"password","username":"alice","password":"Right-pass1"})");
    auto o = boost::json::parse(body).as_object();
    auto xml = crypto::base64_decode(std::string(o.at("token").as_string()));
    ASSERT_TRUE(xml);
    write(name, std::string(xml->begin(), xml->end()));
  }

  // Fetches the PEM bundle and the metadata of vsphere.local into bundle.pem and metadata.xml.
  void fetch_published() {
    write("bundle.pem", curl("/api/v1/tenants/vsphere.local/signing-certs.pem"));
    write("metadata.xml", curl("/saml/metadata/vsphere.local"));
  }

  int xmlsec1_verify(const std::string& token) {
    auto r = run({"xmlsec1", "--verify", "--pubkey-cert-pem", path("bundle.pem"), "--id-attr:ID",
                  "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", path(token)});
    return r.exit_code;
  }

  // Runs the pysaml2 SP; its JSON lines by file name ("" for the metadata line).
  std::map<std::string, boost::json::object> pysaml2(std::vector<std::string> args, int* exit_code) {
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(SIGIL_SOURCE_DIR) +
                                      "/tests/interop/sts/publish/pysaml2_sp_check.py",
                                  path("metadata.xml")};
    for (auto& a : args) argv.push_back(a.rfind("--", 0) == 0 ? a : path(a));
    auto r = run(argv);
    *exit_code = r.exit_code;
    std::map<std::string, boost::json::object> out;
    for (const auto& line : lines(r.out)) {
      boost::system::error_code ec;
      auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) {
        ADD_FAILURE() << "pysaml2 said: " << line << "\n" << r.err;
        continue;
      }
      auto o = v.as_object();
      std::string file = o.contains("file") ? std::string(o.at("file").as_string()) : "";
      out[file.empty() ? "" : std::filesystem::path(file).filename().string()] = o;
    }
    if (out.empty()) ADD_FAILURE() << r.out << r.err;
    return out;
  }

  static std::string dump(const std::map<std::string, boost::json::object>& lines) {
    std::string out;
    for (const auto& [file, o] : lines) out += boost::json::serialize(o) + "\n";
    return out;
  }

  std::string rotate() {
    auto master = crypto::load_master_key(path("master.key"));
    EXPECT_TRUE(master) << master.error();
    db::ConnectionPool pool(db_, {});
    SystemClock clock;
    auto id = db::transact(pool, "rotate", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
      auto row = tx.exec1("SELECT id FROM tenants WHERE name = 'vsphere.local'");
      return sts::keys::create_self_signed_signing_key(tx, row[0].as<std::int64_t>(),
                                                       "vsphere.local", *master,
                                                       crypto::KeyType::kRsa2048, clock,
                                                       std::chrono::hours(24 * 30));
    });
    EXPECT_TRUE(id) << id.error();
    return id ? *id : std::string();
  }

  std::optional<TempDir> dir_;
  std::string db_;
  std::vector<std::string> env_;
  std::optional<RunningService> sts_;
  std::uint16_t port_ = 0;
};

TEST_F(PublishInterop, Xmlsec1AndPysaml2VerifyTokensWithOnlyWhatIsPublished) {
  issue("vsphere.local", "token.xml");
  issue("other.local", "foreign.xml");
  std::string forged = read("token.xml");
  forged.replace(forged.find("alice@"), 6, "admin@");
  write("forged.xml", forged);
  fetch_published();
  ASSERT_NE(read("bundle.pem").find("-----BEGIN CERTIFICATE-----"), std::string::npos);

  EXPECT_EQ(xmlsec1_verify("token.xml"), 0);
  EXPECT_NE(xmlsec1_verify("forged.xml"), 0);
  EXPECT_NE(xmlsec1_verify("foreign.xml"), 0);

  int code = -1;
  auto sp = pysaml2({"--accept", "token.xml", "--reject", "forged.xml", "--reject", "foreign.xml"},
                    &code);
  EXPECT_EQ(code, 0) << dump(sp);
  ASSERT_TRUE(sp.count("") && sp.count("token.xml") && sp.count("forged.xml"));
  EXPECT_TRUE(sp[""].at("loaded").as_bool()) << sp[""];
  EXPECT_EQ(sp[""].at("signing_certs").as_int64(), 1) << sp[""];
  EXPECT_TRUE(sp["token.xml"].at("accepted").as_bool()) << sp["token.xml"];
  EXPECT_EQ(sp["token.xml"].at("issuer").as_string(),
            "https://localhost/websso/SAML2/Metadata/vsphere.local");
  EXPECT_EQ(sp["token.xml"].at("subject").as_string(), "alice@VSPHERE.LOCAL");
  EXPECT_FALSE(sp["forged.xml"].at("accepted").as_bool());
  EXPECT_FALSE(sp["foreign.xml"].at("accepted").as_bool());
}

TEST_F(PublishInterop, AfterARotationTokensOfBothKeysVerifyWithTheNewPublication) {
  issue("vsphere.local", "old.xml");
  std::string new_key = rotate();
  // Wait until sts signs with the new key (NOTIFY reaches it within a second).
  for (int i = 0; i < 50; ++i, std::this_thread::sleep_for(100ms)) {
    if (curl("/api/v1/tenants/vsphere.local/signing-certs").find(new_key) != std::string::npos) break;
  }
  issue("vsphere.local", "new.xml");
  fetch_published();
  auto bundle = crypto::parse_certificate_bundle(read("bundle.pem"));
  ASSERT_TRUE(bundle);
  ASSERT_EQ(bundle->size(), 2u);
  // xmlsec1 takes one key per --pubkey-cert-pem; a relying party splits the bundle.
  for (std::size_t i = 0; i < bundle->size(); ++i) {
    write("cert" + std::to_string(i) + ".pem", *crypto::write_certificate_pem((*bundle)[i].get()));
  }
  for (const char* token : {"old.xml", "new.xml"}) {
    auto ok = [&](const std::string& cert) {
      return run({"xmlsec1", "--verify", "--pubkey-cert-pem", path(cert), "--id-attr:ID",
                  "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", path(token)})
                 .exit_code == 0;
    };
    EXPECT_NE(ok("cert0.pem"), ok("cert1.pem")) << token << ": exactly one key verifies it";
  }
  EXPECT_EQ(run({"xmlsec1", "--verify", "--pubkey-cert-pem", path("cert0.pem"), "--id-attr:ID",
                 "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", path("new.xml")})
                .exit_code,
            0)
      << "the active key is published first";
  int code = -1;
  auto sp = pysaml2({"--accept", "old.xml", "--accept", "new.xml"}, &code);
  EXPECT_EQ(code, 0) << dump(sp);
  EXPECT_EQ(sp[""].at("signing_certs").as_int64(), 2) << sp[""];
  EXPECT_TRUE(sp["old.xml"].at("accepted").as_bool()) << sp["old.xml"];
  EXPECT_TRUE(sp["new.xml"].at("accepted").as_bool()) << sp["new.xml"];
}

}  // namespace
}  // namespace sigil::testing
