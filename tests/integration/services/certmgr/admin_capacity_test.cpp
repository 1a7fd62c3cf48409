// certmgr's admin listener (admin API and the peer route) keeps capacity for operators and
// peers (docs/operations.md "Connection limits"): with its public slots all held by busy
// connections from other hosts, a client outside --reserved-clients is refused at once while
// the administrator (sigilctl from 127.0.0.1, a reserved client) is still served.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "../../sigilctl/admin_env.hpp"
#include "flood_client.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class AdminCapacity : public AdminApiFixture {
 protected:
  // The fixture's certmgr again, with test-sized limits: 12 public slots, any number per
  // address, 2 reserved for 127.0.0.1, and no pressure deadline within the test's time.
  void SetUp() override {
    AdminApiFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(certmgr_->terminate());
    certmgr_.reset();
    auto svc = RunningService::start(
        certmgr_binary(),
        {"--db", conninfo(), "--home", path(""), "--master-key-file", path("master.key"),
         "--sts-hostname", "localhost", "--max-connections", "12",
         "--max-connections-per-address", "0", "--reserved-connections", "2",
         "--reserved-clients", "127.0.0.1/32", "--pressure-timeout-ms", "30000"});
    ASSERT_TRUE(svc) << svc.error();
    certmgr_.emplace(std::move(*svc));
    std::optional<std::uint16_t> port;
    for (int i = 0; i < 400 && !port; ++i, std::this_thread::sleep_for(25ms)) {
      port = listener_port(certmgr_->log(), "admin");
    }
    ASSERT_TRUE(port) << certmgr_->log();
    admin_port_ = *port;
    server_ = "https://127.0.0.1:" + std::to_string(admin_port_);
    for (auto& e : env_) {
      if (e.rfind("SIGIL_SERVER=", 0) == 0) e = "SIGIL_SERVER=" + server_;
    }
  }

  double rejected(const std::string& reason) {
    auto m = http::get(certmgr_->base_url() + "/metrics");
    EXPECT_TRUE(m) << m.error();
    if (!m) return -1;
    const std::string needle =
        "sigil_http_connections_rejected_total{listener=\"admin\",reason=\"" + reason + "\"} ";
    auto at = m->body.find(needle);
    return at == std::string::npos ? 0 : std::atof(m->body.c_str() + at + needle.size());
  }
};

TEST_F(AdminCapacity, AdministratorIsServedWhilePublicCapacityIsFull) {
  Flood busy(admin_port_);
  for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
    ASSERT_EQ(busy.open_busy_tls(source, 4), 4);  // in a request: never shed
  }
  Flood stranger(admin_port_);
  ASSERT_EQ(stranger.open("127.0.0.5", 1), 1);
  EXPECT_EQ(stranger.closed_within(2000ms), 1);  // public capacity is full
  EXPECT_GE(rejected("connection_limit"), 1);
  auto list = ctl({"signing-cert", "list"});  // the administrator, from 127.0.0.1
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(busy.closed_within(100ms), 0);  // nobody was thrown out for it
  busy.close_all();
  std::this_thread::sleep_for(300ms);  // the server sees the closes
  Flood later(admin_port_);
  ASSERT_EQ(later.open("127.0.0.5", 1), 1);
  EXPECT_EQ(later.closed_within(500ms), 0);  // capacity is back for everyone
}

}  // namespace
}  // namespace sigil::testing
