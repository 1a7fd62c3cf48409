// govmomi's unmodified `sts` package (Debian's golang-github-vmware-govmomi-dev, built offline
// here) talks to a real sigil-sts on 127.0.0.1 over HTTPS: bearer by password, a wrong password,
// holder-of-key by solution-user certificate, Renew, and ActAs. Every token it gets must verify
// with the xmlsec1 command-line tool given only the tenant's signing certificate.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <pqxx/pqxx>

#include "service_process.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class GovmomiInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create("sigil-govmomi-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    db_ = PgEnvironment::instance().fresh_database();
    ASSERT_TRUE(crypto::create_master_key_file(path("master.key")));
    env_ = {"SIGIL_DB=" + db_, "SIGIL_HOME=" + path(""), "SIGIL_MASTER_KEY_FILE=" + path("master.key")};
  }

  std::string path(const std::string& name) const { return (dir_->path() / name).string(); }

  ProcessResult run(std::vector<std::string> argv, std::string stdin_data = {},
                    std::vector<std::string> extra_env = {}) {
    ProcessOptions options;
    options.env = env_;
    options.env.insert(options.env.end(), extra_env.begin(), extra_env.end());
    options.stdin_data = std::move(stdin_data);
    options.timeout = 120s;
    auto r = run_process(argv, options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  // Builds tests/interop/sts/govmomi/main.go against Debian's govmomi sources, offline.
  std::string build_go_client() {
    std::string home = std::getenv("HOME") ? std::getenv("HOME") : "/root";
    std::string out = path("govmomi-sts-check");
    auto r = run({"go", "build", "-o", out, std::string(SIGIL_SOURCE_DIR) + "/tests/interop/sts/govmomi/main.go"},
                 {}, {"GO111MODULE=off", "GOFLAGS=", "GOPATH=" + path("gopath") + ":/usr/share/gocode",
                      "GOCACHE=" + home + "/.cache/sigil-go-build"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  std::string signing_certificate_pem() {
    auto conn = db::connect(db_);
    EXPECT_TRUE(conn);
    pqxx::work tx(**conn);
    auto row = tx.exec1("select certificate_chain_pem from signing_keys where state = 'active'");
    return row[0].as<std::string>();
  }

  std::optional<TempDir> dir_;
  std::string db_;
  std::vector<std::string> env_;
};

TEST_F(GovmomiInterop, IssuesRenewsAndDelegatesTokensThatXmlsec1Verifies) {
  ASSERT_EQ(run({sigilctl_binary(), "tenant", "create", "vsphere.local"}).exit_code, 0);
  auto added = run({sigilctl_binary(), "user", "add", "Administrator", "--group", "Administrators",
                    "--password-stdin"},
                   "Corr3ct horse\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto cert = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                   path("svc.key"), "-out", path("svc.pem"), "-days", "30", "-subj", "/CN=svc-govmomi"});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  auto svc = run({sigilctl_binary(), "solution-user", "add", "svc-govmomi", "--cert", path("svc.pem"),
                  "--group", "ActAsUsers"});
  ASSERT_EQ(svc.exit_code, 0) << svc.err;

  auto sts = RunningService::start(sts_binary(), {"--listen", "127.0.0.1:0", "--db", db_, "--home",
                                                  path(""), "--master-key-file", path("master.key")});
  ASSERT_TRUE(sts) << sts.error();
  std::optional<std::uint16_t> port;
  for (int i = 0; i < 50 && !port; ++i, std::this_thread::sleep_for(100ms)) {
    port = listener_port(sts->log(), "main");
  }
  ASSERT_TRUE(port) << sts->log();
  std::ofstream(path("pw")) << "Corr3ct horse\n";
  std::string client = build_go_client();
  auto go = run({client, "-url", "https://127.0.0.1:" + std::to_string(*port) + "/sts/STSService/vsphere.local",
                 "-ca", path("tls/server.crt"), "-user", "Administrator@vsphere.local",
                 "-password-file", path("pw"), "-cert", path("svc.pem"), "-key", path("svc.key"),
                 "-out", path("")});
  ASSERT_EQ(go.exit_code, 0) << go.err;

  std::map<std::string, boost::json::object> steps;
  for (const auto& line : lines(go.out)) {
    auto v = boost::json::parse(line).as_object();
    steps[std::string(v.at("step").as_string())] = v;
  }
  for (const char* ok : {"bearer", "hok", "renew", "actas"}) {
    ASSERT_TRUE(steps.count(ok)) << go.out;
    EXPECT_TRUE(steps[ok].at("ok").as_bool()) << ok << ": " << go.out << "\n" << sts->log();
  }
  EXPECT_FALSE(steps["bad_password"].at("ok").as_bool());
  EXPECT_TRUE(steps["bad_password"].at("soap_fault").as_bool());
  EXPECT_EQ(steps["bad_password"].at("fault_code").as_string(), "ns0:FailedAuthentication");
  EXPECT_LT(steps["actas"].at("lifetime_s").to_number<double>(), 24 * 3600.0);
  EXPECT_EQ(steps["bearer"].at("lifetime_s").to_number<double>(), 300.0);  // bearer maximum

  std::ofstream(path("signing.pem")) << signing_certificate_pem();
  for (const char* token : {"bearer", "hok", "renew", "actas"}) {
    auto v = run({"xmlsec1", "--verify", "--pubkey-cert-pem", path("signing.pem"), "--id-attr:ID",
                  "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", path(std::string(token) + ".xml")});
    EXPECT_EQ(v.exit_code, 0) << token << ": " << v.err;
  }
  // The server is still up and answers after all of it.
  EXPECT_TRUE(sts->process().running());
  auto stopped = sts->terminate();
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, 0);
}

}  // namespace
}  // namespace sigil::testing
