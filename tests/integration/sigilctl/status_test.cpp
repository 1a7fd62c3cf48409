// The real sigilctl against real sigil-sts and sigil-certmgr processes.
#include <csignal>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "service_process.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::testing {
namespace {

using std::chrono::milliseconds;

class SigilctlStatus : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    auto sts = RunningService::start(sts_binary(), {"--db", conninfo()});
    ASSERT_TRUE(sts) << sts.error();
    sts_.emplace(std::move(*sts));
    auto certmgr = RunningService::start(certmgr_binary(), {"--db", conninfo()});
    ASSERT_TRUE(certmgr) << certmgr.error();
    certmgr_.emplace(std::move(*certmgr));
  }

  Result<ProcessResult> status(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{sigilctl_binary(),   "status",
                                  "--sts-metrics",     sts_->base_url(),
                                  "--certmgr-metrics", certmgr_->base_url()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv);  // default timeout: 60 s
  }

  std::optional<RunningService> sts_;
  std::optional<RunningService> certmgr_;
};

TEST_F(SigilctlStatus, ExitsZeroWhenBothServicesAreHealthyAndReady) {
  auto r = status();
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0) << r->out << r->err;
  EXPECT_EQ(r->err, "");
  auto rows = lines(r->out);
  ASSERT_EQ(rows.size(), 3u) << r->out;
  EXPECT_EQ(rows[0].rfind("SERVICE", 0), 0u);
  EXPECT_EQ(rows[1].rfind("sts ", 0), 0u);
  EXPECT_NE(rows[1].find(sts_->base_url()), std::string::npos);
  EXPECT_NE(rows[1].find("ok"), std::string::npos);
  EXPECT_NE(rows[1].find("ready"), std::string::npos);
  EXPECT_EQ(rows[2].rfind("certmgr ", 0), 0u);
}

TEST_F(SigilctlStatus, JsonSaysOkAndListsBothServices) {
  auto r = status({"--json"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  boost::system::error_code ec;
  auto v = boost::json::parse(r->out, ec);
  ASSERT_FALSE(ec) << r->out;
  EXPECT_TRUE(v.at("ok").as_bool());
  const auto& services = v.at("services").as_array();
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(services[0].at("name").as_string(), "sts");
  EXPECT_TRUE(services[0].at("ready").as_bool());
  EXPECT_EQ(services[1].at("name").as_string(), "certmgr");
  EXPECT_TRUE(services[1].at("healthy").as_bool());
}

TEST_F(SigilctlStatus, ExitsOneWithOneLineWhenStsIsStopped) {
  auto code = sts_->terminate();
  ASSERT_TRUE(code);
  ASSERT_EQ(*code, 0);
  auto r = status();
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 1);
  auto err = lines(r->err);
  ASSERT_EQ(err.size(), 1u) << r->err;
  EXPECT_EQ(err[0].rfind("sigilctl: sts at " + sts_->base_url() +
                             " is not healthy: cannot "
                             "connect to 127.0.0.1:",
                         0),
            0u)
      << err[0];
  auto json = status({"--json"});
  ASSERT_TRUE(json);
  EXPECT_EQ(json->exit_code, 1);
  EXPECT_NE(json->out.find(R"("ok":false)"), std::string::npos);
}

TEST(SigilctlCommandLine, HelpListsOnlyWorkingVerbs) {
  auto r = run_process({sigilctl_binary(), "--help"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_NE(r->out.find("  status "), std::string::npos);
  for (const char* working : {"  tenant ", "  signing-cert ", "  server-cert ", "  rotate ", "  alarms ",
                              "  certmgr ", "  admin-cert ", "  bundle ", "  peer ", "admin API"}) {
    EXPECT_NE(r->out.find(working), std::string::npos) << working;
  }
  for (const char* not_yet : {"tenant create", "token issue"}) {
    EXPECT_EQ(r->out.find(not_yet), std::string::npos) << not_yet;
  }
  auto verb = run_process({sigilctl_binary(), "status", "--help"});
  ASSERT_TRUE(verb);
  EXPECT_EQ(verb->exit_code, 0);
  EXPECT_EQ(verb->out.rfind("Usage: sigilctl status", 0), 0u);
}

TEST(SigilctlCommandLine, UnknownVerbAndFlagExitTwoWithOneLine) {
  auto verb = run_process({sigilctl_binary(), "frobnicate"});
  ASSERT_TRUE(verb);
  EXPECT_EQ(verb->exit_code, 2);
  EXPECT_EQ(verb->err, "sigilctl: unknown verb 'frobnicate' (see --help)\n");
  auto flag = run_process({sigilctl_binary(), "status", "--nope"});
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->exit_code, 2);
  EXPECT_EQ(flag->err, "sigilctl: unknown flag --nope (see --help)\n");
  auto version = run_process({sigilctl_binary(), "--version"});
  ASSERT_TRUE(version);
  EXPECT_EQ(version->out, std::string("sigilctl ") + SIGIL_PROJECT_VERSION + "\n");
}

TEST(SigilctlCommandLine, SigtermDuringAVerbEndsItPromptlyWith143) {
  // A listener that accepts (in the kernel backlog) but never answers: sigilctl waits.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  auto child = spawn_process({sigilctl_binary(), "status", "--timeout-ms", "60000", "--sts-metrics",
                              url, "--certmgr-metrics", url});
  ASSERT_TRUE(child) << child.error();
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(child->running());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(child->kill(SIGTERM));
  auto code = child->wait(milliseconds(2000));
  ASSERT_TRUE(code) << code.error();
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

}  // namespace
}  // namespace sigil::testing
