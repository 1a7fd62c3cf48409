#pragma once
// A running sigil-sts (real PostgreSQL, real TLS) with tenant vsphere.local, user alice
// (password Right-pass1, group Admins), solution users svc (certificate svc.pem/svc.key) and
// svc2 (svc2.pem/svc2.key), a certificate nobody registered (stranger.pem/.key), and a second
// tenant other.local; called with curl, a third-party HTTPS client. One sts per test suite.
//
// Thread-safety: one test thread.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service_process.hpp"
#include "sigil/base/ascii.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {

class StsRestFixture : public ::testing::Test {
 public:
  struct Answer {
    int status = 0;
    std::string headers;  // raw header block, lower-cased names as curl prints them
    std::string body;
    boost::json::object json() const {
      boost::system::error_code ec;
      auto v = boost::json::parse(body, ec);
      if (ec || !v.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << body;
        return {};
      }
      return v.as_object();
    }
    // The value of header `name` (lower case), "" when absent.
    std::string header(const std::string& name) const {
      std::istringstream in(headers);
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = ascii_lower(line.substr(0, colon));
        if (key == name) return line.substr(line.find_first_not_of(' ', colon + 1));
      }
      return "";
    }
  };

  static void SetUpTestSuite() {
    auto dir = TempDir::create("sigil-rest-");
    ASSERT_TRUE(dir) << dir.error();
    dir_ = new TempDir(std::move(*dir));
    db_ = new std::string(PgEnvironment::instance().fresh_database());
    auto sts = RunningService::start(sts_binary(), {"--db", *db_});
    ASSERT_TRUE(sts) << sts.error();
    sts_ = new RunningService(std::move(*sts));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 50 && !port; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
      port = listener_port(sts_->log(), "main");
    }
    ASSERT_TRUE(port) << sts_->log();
    port_ = *port;
    home_ = new std::string(sts_home());
    ASSERT_EQ(sigilctl({"tenant", "create", "vsphere.local"}), 0);
    ASSERT_EQ(sigilctl({"tenant", "create", "other.local"}), 0);
    ASSERT_EQ(sigilctl({"user", "add", "alice", "--group", "Admins", "--password-stdin"},
                       "Right-pass1\n"),
              0);
    for (const char* name : {"svc", "svc2", "stranger"}) {
      ASSERT_EQ(run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                     path(std::string(name) + ".key"), "-out", path(std::string(name) + ".pem"),
                     "-days", "30", "-subj", std::string("/CN=") + name})
                    .exit_code,
                0);
    }
    ASSERT_EQ(sigilctl({"solution-user", "add", "svc", "--cert", path("svc.pem")}), 0);
    ASSERT_EQ(sigilctl({"solution-user", "add", "svc2", "--cert", path("svc2.pem")}), 0);
  }
  static void TearDownTestSuite() {
    delete sts_;
    delete home_;
    delete db_;
    delete dir_;
    sts_ = nullptr;
    home_ = nullptr;
    db_ = nullptr;
    dir_ = nullptr;
  }

  static std::string path(const std::string& name) { return (dir_->path() / name).string(); }
  static std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static ProcessResult run(std::vector<std::string> argv, std::string stdin_data = {}) {
    ProcessOptions o;
    o.env = {"SIGIL_DB=" + *db_, "SIGIL_HOME=" + (home_ ? *home_ : std::string())};
    o.stdin_data = std::move(stdin_data);
    o.timeout = std::chrono::seconds(60);
    auto r = run_process(argv, o);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }
  static int sigilctl(std::vector<std::string> args, std::string stdin_data = {}) {
    args.insert(args.begin(), sigilctl_binary());
    auto r = run(args, std::move(stdin_data));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code;
  }
  // The --home RunningService gave sts: where its master key and TLS certificate are.
  static std::string sts_home() {
    std::string log = sts_->log();
    auto at = log.find("event=tls.self_signed_created path=");
    std::string p = log.substr(at + 35, log.find(' ', at + 35) - at - 35);
    return p.substr(0, p.size() - std::string("/tls/server.crt").size());
  }
  static std::string url(const std::string& path_and_query) {
    return "https://127.0.0.1:" + std::to_string(port_) + path_and_query;
  }

  struct Call {
    std::string method = "POST";
    std::string path;
    std::string body;
    std::string content_type = "application/json";
    std::string client = "";  // "svc", "svc2", "stranger": mTLS with that certificate
    std::vector<std::string> headers;
  };
  static Answer call(const Call& c) {
    std::ofstream(path("req.body"), std::ios::binary) << c.body;
    std::filesystem::remove(path("resp.body"));  // curl writes none for a 304
    std::vector<std::string> argv{"curl", "-sS", "--max-time", "20", "--cacert",
                                  *home_ + "/tls/server.crt", "-X", c.method, "-D",
                                  path("resp.headers"), "-o", path("resp.body"), "-w",
                                  "%{http_code}"};
    if (c.method != "GET") {
      argv.insert(argv.end(), {"--data-binary", "@" + path("req.body")});
      if (!c.content_type.empty()) argv.insert(argv.end(), {"-H", "Content-Type: " + c.content_type});
    }
    if (!c.client.empty()) {
      argv.insert(argv.end(), {"--cert", path(c.client + ".pem"), "--key", path(c.client + ".key")});
    }
    for (const auto& h : c.headers) argv.insert(argv.end(), {"-H", h});
    argv.push_back(url(c.path));
    auto r = run(argv);
    Answer a;
    a.status = std::atoi(r.out.c_str());
    a.headers = read_file(path("resp.headers"));
    a.body = read_file(path("resp.body"));
    return a;
  }
  static Answer post(const std::string& p, const std::string& body, const std::string& client = "") {
    Call c;
    c.path = p;
    c.body = body;
    c.client = client;
    return call(c);
  }
  static Answer get(const std::string& p, std::vector<std::string> headers = {}) {
    Call c;
    c.method = "GET";
    c.path = p;
    c.headers = std::move(headers);
    return call(c);
  }

  static std::string tokens(const std::string& tenant = "vsphere.local") {
    return "/api/v1/tenants/" + tenant + "/tokens";
  }
  // {"grant":"password",...} for alice, with `extra` JSON members appended.
  static std::string password_grant(const std::string& extra = "",
                                    const std::string& password = "Right-pass1") {
    return R"({"grant":"password","username":"alice","password":")" + password + "\"" + extra +
           "}";
  }
  // The assertion XML of a base64 token.
  static std::string assertion_xml(const boost::json::object& issued) {
    auto bytes = crypto::base64_decode(std::string(issued.at("token").as_string()));
    EXPECT_TRUE(bytes);
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
  }
  static std::string token_body(std::string_view token) {
    return "{\"token\":\"" + std::string(token) + "\"}";
  }
  static void expect_error(const Answer& a, int status, const std::string& code,
                           const std::string& message_part = "") {
    EXPECT_EQ(a.status, status) << a.body;
    EXPECT_EQ(a.header("content-type"), "application/json") << a.headers;
    auto o = a.json();
    ASSERT_TRUE(o.contains("error") && o.contains("message")) << a.body;
    EXPECT_EQ(o.at("error").as_string(), code) << a.body;
    EXPECT_NE(std::string(o.at("message").as_string()).find(message_part), std::string::npos)
        << a.body;
    EXPECT_EQ(o.size(), 2u) << a.body;
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::string* db_ = nullptr;
  static inline std::string* home_ = nullptr;
  static inline RunningService* sts_ = nullptr;
  static inline std::uint16_t port_ = 0;
};

}  // namespace sigil::testing
