#pragma once
// A fixture for tests of certmgr's admin API and of the sigilctl verbs that use it: a fresh
// database with tenant vsphere.local (sigilctl tenant create, DB-direct), an admin client
// certificate (sigilctl admin-cert create, DB-direct: the bootstrap), and a running
// sigil-certmgr whose admin API listens on 127.0.0.1:<port> with its self-signed certificate in
// HOME/tls. sigilctl runs with SIGIL_HOME=HOME (so --ca-file defaults to that certificate),
// SIGIL_SERVER and the admin credential in SIGIL_CLIENT_CERT / SIGIL_CLIENT_KEY.
//
// Thread-safety: one test thread.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "service_process.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/http/client.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::testing {

class AdminApiFixture : public PgTest {
 protected:
  void SetUp() override {
    using namespace std::chrono_literals;
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    auto dir = TempDir::create("sigil-admin-");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    ASSERT_TRUE(crypto::create_master_key_file(path("master.key")));
    env_ = {"SIGIL_DB=" + conninfo(), "SIGIL_HOME=" + path(""),
            "SIGIL_MASTER_KEY_FILE=" + path("master.key")};
    auto created = ctl({"tenant", "create", "vsphere.local"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    auto admin = ctl({"admin-cert", "create", "--out-cert", path("admin.crt"), "--out-key",
                      path("admin.key")});
    ASSERT_EQ(admin.exit_code, 0) << admin.err;
    auto svc = RunningService::start(
        certmgr_binary(), {"--db", conninfo(), "--home", path(""), "--master-key-file",
                           path("master.key"), "--sts-hostname", "localhost"});
    ASSERT_TRUE(svc) << svc.error();
    certmgr_.emplace(std::move(*svc));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
      port = listener_port(certmgr_->log(), "admin");
    }
    ASSERT_TRUE(port) << certmgr_->log();
    admin_port_ = *port;
    server_ = "https://127.0.0.1:" + std::to_string(admin_port_);
    env_.push_back("SIGIL_SERVER=" + server_);
    env_.push_back("SIGIL_CLIENT_CERT=" + path("admin.crt"));
    env_.push_back("SIGIL_CLIENT_KEY=" + path("admin.key"));
  }

  std::string path(const std::string& name) const { return (dir_->path() / name).string(); }

  /// sigil-sts on this fixture's database and master key, with its home in path("sts"), polling
  /// for key-set changes every `poll_interval_ms`; `extra` flags last. Sets `*port` to its HTTPS
  /// port once the main listener is up (kUnavailable, with the log, when it does not come up).
  Result<RunningService> start_sts(const std::string& poll_interval_ms, std::uint16_t* port,
                                   const std::vector<std::string>& extra = {}) {
    using namespace std::chrono_literals;
    std::filesystem::create_directories(path("sts"));
    std::vector<std::string> args{"--db", conninfo(), "--home", path("sts"), "--master-key-file",
                                  path("master.key"), "--keyset-poll-interval-ms",
                                  poll_interval_ms};
    args.insert(args.end(), extra.begin(), extra.end());
    SIGIL_TRY(RunningService sts, RunningService::start(sts_binary(), args));
    for (int i = 0; i < 400; ++i, std::this_thread::sleep_for(25ms)) {
      if (auto p = listener_port(sts.log(), "main")) {
        *port = *p;
        return sts;
      }
    }
    return fail(Errc::kUnavailable, "sigil-sts's main listener did not start; log:\n" + sts.log());
  }

  /// Runs a third-party tool (openssl, curl, ...) with a 30 s deadline.
  ProcessResult run(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    using namespace std::chrono_literals;
    ProcessOptions options;
    options.timeout = 30s;
    options.stdin_data = stdin_data;
    auto r = run_process(args, options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  ProcessResult ctl(std::vector<std::string> args, std::string stdin_data = "",
                    std::vector<std::string> extra_env = {}) {
    using namespace std::chrono_literals;
    args.insert(args.begin(), sigilctl_binary());
    ProcessOptions options;
    options.env = env_;
    options.env.insert(options.env.end(), extra_env.begin(), extra_env.end());
    options.timeout = 60s;
    options.stdin_data = std::move(stdin_data);
    auto r = run_process(args, options);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : ProcessResult{};
  }

  boost::json::value ctl_json(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::error_code ec;
    boost::json::value v = boost::json::parse(r.out, ec);
    EXPECT_FALSE(ec) << r.out;
    return v;
  }

  /// The admin API's certificate (trust for http::send).
  std::string server_pem() const {
    std::ifstream in(dir_->path() / "tls" / "server.crt");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string file(const std::string& name) const {
    std::ifstream in(dir_->path() / name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  /// A request to /api/v1/admin/tenants/vsphere.local<path>, trusting the server's certificate.
  http::ClientRequest request(boost::beast::http::verb method, const std::string& path_) const {
    http::ClientRequest r;
    r.method = method;
    r.url = server_ + "/api/v1/admin/tenants/vsphere.local" + path_;
    r.tls.trust_pem = server_pem();
    r.timeout = std::chrono::seconds(30);
    return r;
  }

  std::optional<TempDir> dir_;
  std::vector<std::string> env_;
  std::optional<RunningService> certmgr_;
  std::uint16_t admin_port_ = 0;
  std::string server_;
};

}  // namespace sigil::testing
