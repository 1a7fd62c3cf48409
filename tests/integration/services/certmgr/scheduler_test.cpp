// certmgr's scheduler walked through years of simulated time against a real PostgreSQL: a key
// from the built-in CA is renewed before any alarm could fire; a third-party key, which cannot
// be renewed, raises exactly the documented alarm sequence; dry runs change nothing.
#include "certmgr/renew/scheduler.hpp"

#include "certmgr/app.hpp"

#include <gtest/gtest.h>

#include <array>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <set>

#include <pqxx/connection>
#include <pqxx/transaction>

#include "sigil/crypto/x509.hpp"
#include "sigil/db/alarm_store.hpp"
#include "sigil/db/ca_store.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/keys/sealed_key.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::certmgr {
namespace {

using namespace std::chrono_literals;
constexpr auto kDay = 24h;

class SchedulerTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    auto key = crypto::MasterKey::generate();
    ASSERT_TRUE(key);
    master_key_.emplace(std::move(*key));
    pool_ = std::make_unique<db::ConnectionPool>(conninfo(), db::PoolOptions{});
    auto created = db::transact(*pool_, "tenant", [](pqxx::dbtransaction& tx) {
      return db::TenantStore(tx).create("vsphere.local");
    });
    ASSERT_TRUE(created) << created.error();
    options_.ca.key_type = crypto::KeyType::kEcdsaP256;  // fast in tests; RSA is the default
    options_.signing_key_type = crypto::KeyType::kEcdsaP256;
  }
  Scheduler make() {
    return Scheduler(*pool_, *master_key_, log_, registry_, options_);
  }
  db::KeySetView keys() {
    auto v = db::transact(*pool_, "read", [](pqxx::dbtransaction& tx) {
      return db::KeySetStore(tx, "test").read("vsphere.local");
    });
    EXPECT_TRUE(v) << v.error();
    return v ? std::move(*v) : db::KeySetView{};
  }
  const db::SigningKeyRow* active() {
    view_ = keys();
    for (const auto& k : view_.keys) {
      if (k.state == db::SigningKeyState::kActive) return &k;
    }
    return nullptr;
  }
  // Imports a third-party ECDSA key valid from `at` for `days`, active at once.
  std::string import_third_party(TimePoint at, int days) {
    auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
    crypto::CertRequest req;
    req.subject.common_name = "third party signing";
    req.subject_key = key->get();
    req.issuer_key = key->get();
    req.not_before = at - 1h;
    req.not_after = at + kDay * days;
    req.key_usage.digital_signature = true;
    auto cert = crypto::issue_certificate(req);
    EXPECT_TRUE(cert) << cert.error();
    std::array<X509*, 1> chain{cert->get()};
    auto sealed = keys::seal_signing_key("vsphere.local", key->get(), chain, *master_key_);
    EXPECT_TRUE(sealed) << sealed.error();
    db::NewSigningKey row = db::new_signing_key(*sealed, db::SigningKeySource::kThirdParty);
    auto r = db::transact(*pool_, "import", [&](pqxx::dbtransaction& tx) {
      return db::KeySetStore(tx, "test").import("vsphere.local", row, true, at);
    });
    EXPECT_TRUE(r) << r.error();
    return sealed->key_id;
  }

  std::optional<crypto::MasterKey> master_key_;
  std::unique_ptr<db::ConnectionPool> pool_;
  log::Logger log_{log::Format::kText, log::Level::kError};
  metrics::Registry registry_;
  SchedulerOptions options_;
  db::KeySetView view_;
};

TEST_F(SchedulerTest, BuiltinCaKeyIsRenewedBeforeAnyAlarmForTwelveYears) {
  Scheduler scheduler = make();
  TimePoint at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const TimePoint end = at + kDay * 365 * 12;
  int renewals = 0;
  std::vector<PassEvent> alarms;
  std::set<std::string> active_keys;
  while (at < end) {
    auto report = scheduler.run_pass(at, false);
    ASSERT_TRUE(report) << report.error();
    ASSERT_EQ(report->failures, 0);
    for (const auto& e : report->events) {
      if (e.action == "renewal.activated") ++renewals;
      if (e.action == "alarm.notified") alarms.push_back(e);
    }
    const auto* key = active();
    ASSERT_NE(key, nullptr) << "a tenant was left without an active key";
    active_keys.insert(key->key_id);
    EXPECT_GT(key->not_after - at, kDay * 90) << "the active key came within the alarm window";
    // Daily steps near the renewal window, monthly otherwise.
    at += key->not_after - at < kDay * 120 ? kDay : kDay * 30;
  }
  EXPECT_EQ(renewals, 1);
  EXPECT_EQ(active_keys.size(), 2u);
  EXPECT_TRUE(alarms.empty()) << alarms.front().detail;
  // The renewed key was pending (published) for a day before it signed, and the old one is
  // verify-only or retired, never deleted.
  view_ = keys();
  EXPECT_EQ(view_.keys.size(), 2u);
  auto sample = registry_.expose();
  EXPECT_NE(sample.find("sigil_cert_renewals_total{tenant=\"vsphere.local\",result=\"success\"} 1"),
            std::string::npos)
      << sample;
}

TEST_F(SchedulerTest, ThirdPartyKeyRaisesWeeklyThenDailyAlarms) {
  Scheduler scheduler = make();
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string key_id = import_third_party(start, 200);
  const TimePoint not_after = active()->not_after;
  std::vector<std::pair<std::int64_t, std::string>> notified;
  for (TimePoint at = not_after - kDay * 120; at <= not_after + kDay * 3; at += kDay) {
    auto report = scheduler.run_pass(at, false);
    ASSERT_TRUE(report) << report.error();
    for (const auto& e : report->events) {
      ASSERT_NE(e.action, "renewal.pending") << "a third-party key cannot be renewed";
      if (e.action == "alarm.notified" && e.subject == key_id) {
        auto days = std::chrono::floor<std::chrono::days>(not_after - at).count();
        notified.emplace_back(days, e.detail.substr(0, e.detail.find(':')));
      }
    }
  }
  std::vector<std::pair<std::int64_t, std::string>> expected;
  for (std::int64_t d = 90; d > 7; d -= 7) expected.emplace_back(d, "warning");
  for (std::int64_t d = 7; d >= -3; --d) expected.emplace_back(d, "critical");
  EXPECT_EQ(notified, expected);
  auto open = db::transact(*pool_, "alarms", [](pqxx::dbtransaction& tx) {
    return db::AlarmStore(tx).list(false);
  });
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().kind, "signing-cert.expiry");
  EXPECT_EQ(open->front().severity, "critical");
  EXPECT_EQ(open->front().tenant, "vsphere.local");
}

TEST_F(SchedulerTest, ReplacingTheThirdPartyKeyClearsItsAlarm) {
  Scheduler scheduler = make();
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string old_key = import_third_party(start, 30);
  auto first = scheduler.run_pass(start, false);
  ASSERT_TRUE(first);
  bool raised = false;
  for (const auto& e : first->events) raised |= e.action == "alarm.notified" && e.subject == old_key;
  EXPECT_TRUE(raised);
  import_third_party(start + kDay, 400);
  auto second = scheduler.run_pass(start + kDay, false);
  ASSERT_TRUE(second);
  bool cleared = false;
  for (const auto& e : second->events) cleared |= e.action == "alarm.cleared" && e.subject == old_key;
  EXPECT_TRUE(cleared);
}

// When renewal cannot work (here: the built-in CA itself has expired), the pass says so, counts
// it, raises an alarm and backs off - and the tenant keeps the key it has.
TEST_F(SchedulerTest, AFailedRenewalKeepsTheKeyRaisesAnAlarmAndBacksOff) {
  Scheduler scheduler = make();
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(scheduler.run_pass(start, false));
  const std::string key_id = active()->key_id;
  auto ca = db::transact(*pool_, "ca", [](pqxx::dbtransaction& tx) { return db::CaStore(tx).active(); });
  ASSERT_TRUE(ca && *ca);
  const TimePoint late = (*ca)->not_after + kDay;
  auto report = scheduler.run_pass(late, false, true);
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->failures, 1);
  bool failed = false;
  bool alarmed = false;
  for (const auto& e : report->events) {
    failed |= e.action == "renewal.failed";
    alarmed |= e.action == "alarm.notified" && e.subject == "vsphere.local" &&
               e.detail.find("renewal") != std::string::npos;
  }
  EXPECT_TRUE(failed);
  EXPECT_TRUE(alarmed);
  ASSERT_NE(active(), nullptr);
  EXPECT_EQ(active()->key_id, key_id) << "a failed renewal never takes the active key away";
  EXPECT_NE(registry_.expose().find(
                "sigil_cert_renewals_total{tenant=\"vsphere.local\",result=\"failure\"} 1"),
            std::string::npos);
  // Backoff: the next service pass a minute later skips the tenant (no second failure).
  auto again = scheduler.run_pass(late + std::chrono::minutes(1), false, true);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->failures, 0);
  auto open = db::transact(*pool_, "alarms", [](pqxx::dbtransaction& tx) {
    return db::AlarmStore(tx).list(false);
  });
  ASSERT_TRUE(open);
  bool renewal_alarm = false;
  for (const auto& a : *open) renewal_alarm |= a.kind == "signing-cert.renewal-failed";
  EXPECT_TRUE(renewal_alarm);
}

// A one-thread HTTP receiver on 127.0.0.1 that answers 204 and keeps every request body.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  void serve() {
    while (true) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      std::size_t want = std::string::npos;
      while (true) {
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
        auto end = req.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        if (want == std::string::npos) {
          auto cl = req.find("Content-Length: ");
          if (cl == std::string::npos) cl = req.find("content-length: ");
          want = end + 4 + (cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16)));
        }
        if (req.size() >= want) break;
      }
      {
        std::lock_guard lock(mu_);
        bodies_.push_back(req.substr(req.find("\r\n\r\n") + 4));
      }
      const char kAnswer[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
      (void)::write(c, kAnswer, sizeof kAnswer - 1);
      ::close(c);
    }
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

TEST_F(SchedulerTest, AlarmNotificationsArePostedToTheWebhook) {
  WebhookReceiver receiver;
  CertmgrConfig cfg;
  cfg.alarm_webhook_url = receiver.url();
  auto webhook = make_webhook(cfg, log_, registry_);
  ASSERT_TRUE(webhook && *webhook) << (webhook ? "" : webhook.error().message);
  options_.on_alarm = [w = webhook->get()](const PassEvent& e, TimePoint at) { w->deliver(e, at); };
  Scheduler scheduler = make();
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string key_id = import_third_party(start, 30);
  ASSERT_TRUE(scheduler.run_pass(start, false));
  ASSERT_TRUE(scheduler.run_pass(start, true)) << "dry runs send nothing";
  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  auto json = boost::json::parse(bodies[0]).as_object();
  EXPECT_EQ(json.at("event").as_string(), "alarm.notified");
  EXPECT_EQ(json.at("tenant").as_string(), "vsphere.local");
  EXPECT_EQ(json.at("kind").as_string(), "signing-cert.expiry");
  EXPECT_EQ(json.at("subject").as_string(), key_id);
  EXPECT_EQ(json.at("severity").as_string(), "warning");
  EXPECT_NE(std::string(json.at("message").as_string()).find("expires in 30 days"),
            std::string::npos);
  EXPECT_NE(registry_.expose().find(
                "sigil_alarm_webhook_deliveries_total{result=\"success\"} 1"),
            std::string::npos);
}

TEST_F(SchedulerTest, ExpiringServerCertificateRaisesItsAlarm) {
  Scheduler scheduler = make();
  const TimePoint start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  {
    pqxx::connection c(conninfo());
    pqxx::work tx(c);
    tx.exec("INSERT INTO server_certificates (hostname, state, certificate_chain_pem, "
            "private_key_ciphertext, master_key_id, not_before, not_after, activated_at) VALUES "
            "('sts.example.com', 'active', 'PEM', 'sealed', 'mk', now() - interval '1 day', "
            "now() + interval '20 days', now())");
    tx.commit();
  }
  auto report = scheduler.run_pass(start, false);
  ASSERT_TRUE(report) << report.error();
  bool raised = false;
  for (const auto& e : report->events) {
    raised |= e.action == "alarm.notified" && e.kind == "server-cert.expiry" &&
              e.subject == "server-cert:sts.example.com" && e.detail.rfind("warning: ", 0) == 0;
  }
  EXPECT_TRUE(raised);
  // Replaced by a certificate valid for a year: the alarm clears.
  {
    pqxx::connection c(conninfo());
    pqxx::work tx(c);
    tx.exec("UPDATE server_certificates SET not_after = now() + interval '365 days'");
    tx.commit();
  }
  auto later = scheduler.run_pass(start + kDay, false);
  ASSERT_TRUE(later);
  bool cleared = false;
  for (const auto& e : later->events) {
    cleared |= e.action == "alarm.cleared" && e.subject == "server-cert:sts.example.com";
  }
  EXPECT_TRUE(cleared);
}

TEST_F(SchedulerTest, DryRunReportsButChangesNothing) {
  Scheduler scheduler = make();
  const TimePoint at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto report = scheduler.run_pass(at, true);
  ASSERT_TRUE(report) << report.error();
  bool ca_created = false;
  bool key_created = false;
  for (const auto& e : report->events) {
    ca_created |= e.action == "ca.created";
    key_created |= e.action == "key.created";
  }
  EXPECT_TRUE(ca_created);
  EXPECT_TRUE(key_created);
  EXPECT_TRUE(keys().keys.empty());
  auto again = scheduler.run_pass(at, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(keys().keys.size(), 1u);
}

}  // namespace
}  // namespace sigil::certmgr
