// pyVmomi's unmodified `pyVim.sso` talks to a real sigil-sts on 127.0.0.1 over HTTPS: bearer by
// password, a wrong password, holder-of-key by solution-user certificate, an unknown
// certificate, token by token, Renew (built and signed with sso.py's own request helpers, as
// pyVmomi has no Renew call) and ActAs. Debian 12's python3-pyvmomi (6.7) lacks pyVim/sso.py, so
// fetch-pyvmomi brings Debian 13's (8.0.x, pure Python) into the build tree through a private apt
// configuration (docs/development.md, "Interop tests"). Every token pyVmomi returns must verify
// with the xmlsec1 command-line tool given only the tenant's published signing certificates.
// Under CI=true a package that cannot be fetched fails the test; elsewhere the test is skipped
// with the reason.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "service_process.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

// This directory in the source tree, and the cache in the build tree.
std::string here() { return std::string(SIGIL_SOURCE_DIR) + "/tests/interop/sts/pyvmomi"; }
std::string cache_dir() { return std::string(SIGIL_BINARY_DIR) + "/tests/interop/pyvmomi"; }

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// fetch-pyvmomi's result: the PYTHONPATH on success, the reason otherwise.
struct Fetched {
  std::string python_path;
  std::string failure;
  std::string log;
};

Fetched fetch_pyvmomi() {
  ProcessOptions options;
  options.timeout = 300s;
  auto r = run_process({here() + "/fetch-pyvmomi", cache_dir()}, options);
  if (!r) return {"", "cannot run fetch-pyvmomi: " + r.error().message, ""};
  auto out = lines(r->out);
  if (r->exit_code != 0 || out.empty()) {
    return {"", "fetch-pyvmomi exited " + std::to_string(r->exit_code), r->err};
  }
  return {out.back(), "", r->err};
}

// Base64 of the DER of the first certificate in a PEM file, as in ds:X509Certificate.
std::string pem_body(const std::string& pem) {
  std::string out;
  bool inside = false;
  for (const auto& line : lines(pem)) {
    if (line.rfind("-----BEGIN", 0) == 0) {
      inside = true;
    } else if (line.rfind("-----END", 0) == 0) {
      break;
    } else if (inside) {
      out += line;
    }
  }
  return out;
}

// pyvmomi_sts_check.py's JSON lines by step name.
using Steps = std::map<std::string, boost::json::object>;

class PyvmomiInterop : public ::testing::Test {
 protected:
  // Fetched once per test binary: the second test checks the cache.
  static const Fetched& fetched() {
    static const Fetched once = fetch_pyvmomi();
    return once;
  }

  void SetUp() override {
    if (!fetched().failure.empty()) {
      std::string why = "pyVmomi 8 (Debian trixie's python3-pyvmomi) could not be fetched: " +
                        fetched().failure + "\n" + fetched().log;
      if (in_ci()) FAIL() << why;
      GTEST_SKIP() << "\n*** SKIPPED: the pyVmomi interop test did not run. ***\n" << why;
    }
    auto dir = TempDir::create("sigil-pyvmomi-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    db_ = PgEnvironment::instance().fresh_database();
    ASSERT_TRUE(crypto::create_master_key_file(path("master.key")));
    env_ = {"SIGIL_DB=" + db_, "SIGIL_HOME=" + path(""),
            "SIGIL_MASTER_KEY_FILE=" + path("master.key")};
  }

  std::string path(const std::string& name) const { return (dir_->path() / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

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

  void make_certificate(const std::string& name, const std::string& cn) {
    auto r = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                  path(name + ".key"), "-out", path(name + ".pem"), "-days", "30", "-subj",
                  "/CN=" + cn});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A tenant with a user and a solution user, and sts serving it; the WS-Trust URL.
  std::string start_sts() {
    EXPECT_EQ(run({sigilctl_binary(), "tenant", "create", "vsphere.local"}).exit_code, 0);
    auto added = run({sigilctl_binary(), "user", "add", "Administrator", "--group",
                      "Administrators", "--password-stdin"},
                     "Corr3ct horse\n");
    EXPECT_EQ(added.exit_code, 0) << added.err;
    make_certificate("svc", "svc-pyvmomi");
    make_certificate("stranger", "nobody");
    auto svc = run({sigilctl_binary(), "solution-user", "add", "svc-pyvmomi", "--cert",
                    path("svc.pem"), "--group", "ActAsUsers"});
    EXPECT_EQ(svc.exit_code, 0) << svc.err;
    auto sts = RunningService::start(sts_binary(), {"--listen", "127.0.0.1:0", "--db", db_,
                                                    "--home", path(""), "--master-key-file",
                                                    path("master.key")});
    EXPECT_TRUE(sts) << sts.error();
    if (!sts) return "";
    sts_.emplace(std::move(*sts));
    for (int i = 0; i < 50 && !port_; ++i, std::this_thread::sleep_for(100ms)) {
      port_ = listener_port(sts_->log(), "main");
    }
    EXPECT_TRUE(port_) << sts_->log();
    return port_ ? "https://127.0.0.1:" + std::to_string(*port_) + "/sts/STSService/vsphere.local"
                 : "";
  }

  // Runs pyvmomi_sts_check.py with the fetched pyVmomi; its JSON lines by step.
  Steps run_pyvmomi(const std::string& url) {
    std::ofstream(path("pw")) << "Corr3ct horse\n";
    auto r = run({"/usr/bin/python3", "-s", here() + "/pyvmomi_sts_check.py", "--url", url,
                  "--ca", path("tls/server.crt"), "--user", "Administrator@vsphere.local",
                  "--password-file", path("pw"), "--cert", path("svc.pem"), "--key",
                  path("svc.key"), "--stranger-cert", path("stranger.pem"), "--stranger-key",
                  path("stranger.key"), "--out", path("")},
                 {}, {"PYTHONPATH=" + fetched().python_path, "PYTHONDONTWRITEBYTECODE=1"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Steps steps;
    for (const auto& line : lines(r.out)) {
      boost::system::error_code ec;
      auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) {
        ADD_FAILURE() << "pyvmomi_sts_check said: " << line << "\n" << r.err;
        continue;
      }
      steps[std::string(v.as_object().at("step").as_string())] = v.as_object();
    }
    return steps;
  }

  // xmlsec1 with only the published PEM bundle of the tenant's signing certificates.
  int xmlsec1_verify(const std::string& token_file) {
    auto r = run({"xmlsec1", "--verify", "--pubkey-cert-pem", path("published.pem"),
                  "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", token_file});
    return r.exit_code;
  }

  void fetch_published_certificates() {
    auto r = run({"curl", "-sS", "--fail", "--max-time", "20", "--cacert", path("tls/server.crt"),
                  "-o", path("published.pem"),
                  "https://127.0.0.1:" + std::to_string(*port_) +
                      "/api/v1/tenants/vsphere.local/signing-certs.pem"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_NE(read("published.pem").find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  }

  void expect_holder_of_key_tokens(Steps& steps);
  void expect_xmlsec1_verifies(Steps& steps);

  std::optional<TempDir> dir_;
  std::string db_;
  std::vector<std::string> env_;
  std::optional<RunningService> sts_;
  std::optional<std::uint16_t> port_;
};

std::string str(const boost::json::object& step, const char* key) {
  auto* v = step.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t num(const boost::json::object& step, const char* key) {
  auto* v = step.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : -1;
}

std::chrono::seconds lifetime(const boost::json::object& step) {
  auto parse = [](const std::string& t) {
    std::tm tm{};
    strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    return std::chrono::seconds(timegm(&tm));
  };
  return parse(str(step, "not_on_or_after")) - parse(str(step, "not_before"));
}

// The holder-of-key tokens: by certificate, by token, renewed and ActAs, all bound to svc.pem.
void PyvmomiInterop::expect_holder_of_key_tokens(Steps& steps) {
  std::string svc_cert = pem_body(read("svc.pem"));
  auto& hok = steps["hok"];
  EXPECT_EQ(str(hok, "confirmation"), "holder-of-key");
  EXPECT_EQ(str(hok, "subject"), "svc-pyvmomi@VSPHERE.LOCAL");
  EXPECT_EQ(str(hok, "authn_context"), "XMLDSig");
  EXPECT_EQ(str(hok, "confirmation_cert"), svc_cert);
  EXPECT_EQ(num(hok, "renew_count"), 10);

  auto& by_token = steps["token_by_token"];
  EXPECT_EQ(str(by_token, "confirmation"), "holder-of-key");
  EXPECT_EQ(str(by_token, "subject"), str(hok, "subject"));
  EXPECT_EQ(str(by_token, "authn_context"), "PreviousSession");
  EXPECT_EQ(str(by_token, "confirmation_cert"), svc_cert);
  EXPECT_NE(str(by_token, "id"), str(hok, "id"));

  auto& renewed = steps["renew"];
  EXPECT_EQ(str(renewed, "confirmation"), "holder-of-key");
  EXPECT_EQ(str(renewed, "subject"), str(hok, "subject"));
  EXPECT_EQ(str(renewed, "confirmation_cert"), svc_cert);
  EXPECT_EQ(num(renewed, "renew_count"), num(hok, "renew_count") - 1);
  EXPECT_NE(str(renewed, "id"), str(hok, "id"));

  auto& bearer = steps["bearer"];
  auto& actas = steps["actas"];
  EXPECT_EQ(str(actas, "subject"), str(bearer, "subject"));
  EXPECT_EQ(str(actas, "confirmation_cert"), svc_cert);
  EXPECT_LE(str(actas, "not_on_or_after"), str(bearer, "not_on_or_after"));  // same format
  ASSERT_TRUE(actas.contains("delegates"));
  EXPECT_EQ(boost::json::serialize(actas.at("delegates")), R"(["svc-pyvmomi@VSPHERE.LOCAL"])");
}

// xmlsec1 verifies every token with the published PEM, and not the bearer token with its
// subject changed.
void PyvmomiInterop::expect_xmlsec1_verifies(Steps& steps) {
  fetch_published_certificates();
  for (const char* token : {"bearer", "hok", "token_by_token", "renew", "actas"}) {
    EXPECT_EQ(xmlsec1_verify(str(steps[token], "token_file")), 0) << token;
  }
  std::string forged = read("bearer.xml");
  auto at = forged.find("Administrator@VSPHERE.LOCAL");
  ASSERT_NE(at, std::string::npos);
  forged.replace(at, 13, "administrator");
  std::ofstream(path("forged.xml"), std::ios::binary) << forged;
  EXPECT_NE(xmlsec1_verify(path("forged.xml")), 0);
}

TEST_F(PyvmomiInterop, UnmodifiedSsoPyGetsRenewsAndDelegatesTokensThatXmlsec1Verifies) {
  std::string url = start_sts();
  ASSERT_FALSE(url.empty());
  auto steps = run_pyvmomi(url);
  std::string dump;
  for (const auto& [name, o] : steps) dump += boost::json::serialize(o) + "\n";
  for (const char* name : {"env", "bearer", "bad_password", "hok", "stranger", "token_by_token",
                           "renew", "actas"}) {
    ASSERT_TRUE(steps.count(name)) << name << " missing:\n" << dump << sts_->log();
  }
  // The pyVmomi that ran is the fetched one, not Debian 12's 6.7 in /usr/lib/python3.
  EXPECT_EQ(str(steps["env"], "sso").rfind(fetched().python_path, 0), 0u) << dump;
  EXPECT_EQ(str(steps["env"], "pyvmomi").rfind(fetched().python_path, 0), 0u) << dump;
  for (const char* ok : {"bearer", "hok", "token_by_token", "renew", "actas"}) {
    EXPECT_TRUE(steps[ok].at("ok").as_bool()) << ok << ":\n" << dump << sts_->log();
  }

  auto& bearer = steps["bearer"];
  EXPECT_EQ(str(bearer, "confirmation"), "bearer");
  EXPECT_EQ(str(bearer, "subject"), "Administrator@VSPHERE.LOCAL");
  EXPECT_EQ(str(bearer, "authn_context"), "PasswordProtectedTransport");
  EXPECT_EQ(lifetime(bearer), 300s);

  // A wrong password and an unknown certificate surface as pyVmomi's own SoapException.
  for (const char* refused : {"bad_password", "stranger"}) {
    EXPECT_FALSE(steps[refused].at("ok").as_bool()) << refused;
    EXPECT_EQ(str(steps[refused], "exception"), "SoapException") << dump;
    EXPECT_EQ(str(steps[refused], "fault_code"), "ns0:FailedAuthentication") << dump;
  }

  expect_holder_of_key_tokens(steps);
  // Every token, exactly as pyVmomi returned it, verifies with only what sts publishes.
  expect_xmlsec1_verifies(steps);

  EXPECT_TRUE(sts_->process().running());
  auto stopped = sts_->terminate();
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, 0);
}

TEST_F(PyvmomiInterop, ASecondFetchReusesTheVerifiedTreeWithoutDownloading) {
  auto started = std::chrono::steady_clock::now();
  Fetched again = fetch_pyvmomi();
  ASSERT_TRUE(again.failure.empty()) << again.failure << "\n" << again.log;
  EXPECT_EQ(again.python_path, fetched().python_path);
  EXPECT_NE(again.log.find("cached, md5sums verified"), std::string::npos) << again.log;
  EXPECT_EQ(again.log.find("downloading"), std::string::npos) << again.log;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

}  // namespace
}  // namespace sigil::testing
