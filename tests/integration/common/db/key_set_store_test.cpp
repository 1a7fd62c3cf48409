// KeySetStore: every key-set change is one locked, audited transaction that bumps the
// generation, and a failed one changes nothing. Tenant policy changes (tenant_policy.hpp).

#include "sigil/db/key_set_store.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/listener.hpp"
#include "sigil/db/tenant_policy.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::db {
namespace {

using namespace std::chrono_literals;
using test_util::query_text;
using test_util::test_key;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));
// vCenter defaults: 30-day HoK tokens renewed up to 10 times, 600 s tolerance.
constexpr auto kRetention = std::chrono::seconds(2'592'000 * 11 + 600);
constexpr const char* kTenant = "vsphere.local";

class KeySetStoreTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<ConnectionPool>(conninfo(), PoolOptions{});
    auto conn = connect(conninfo());
    ASSERT_TRUE(conn) << conn.error();
    conn_ = std::move(conn).value();
    auto t = test_util::create_tenant(*conn_, kTenant);
    ASSERT_TRUE(t) << t.error();
    tenant_id_ = t->id;
  }

  template <class F>
  auto op(F&& fn) {
    return transact(*pool_, "key set op", [&](pqxx::dbtransaction& tx) {
      KeySetStore store(tx, "test:actor");
      return fn(store);
    });
  }

  Result<KeySetChange> rotate(const std::string& key_id, TimePoint at) {
    return op([&](KeySetStore& s) { return s.rotate(kTenant, test_key(0, key_id, kT0), at); });
  }

  std::string sql(const std::string& q) {
    auto r = query_text(*conn_, q);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : std::string();
  }

  std::string state(const std::string& key_id) {
    return sql("SELECT state FROM signing_keys WHERE key_id = '" + key_id + "'");
  }

  std::int64_t generation() {
    return std::stoll(
        sql("SELECT keyset_generation FROM tenants WHERE id = " + std::to_string(tenant_id_)));
  }

  // Everything a key-set change may touch, as one string.
  std::string snapshot() {
    return sql(
        "SELECT (SELECT coalesce(string_agg(concat_ws('|', key_id, state, activated_at, "
        "deactivated_at, verify_until, retired_at), ',' ORDER BY id), '') FROM "
        "signing_keys) || '#' || (SELECT count(*) FROM audit_log) || '#' || "
        "(SELECT keyset_generation FROM tenants WHERE name = 'vsphere.local')");
  }

  std::vector<AuditRow> audit() {
    auto rows = transact(*pool_, "audit",
                         [](pqxx::dbtransaction& tx) { return AuditLogStore(tx).list(kTenant); });
    EXPECT_TRUE(rows) << rows.error();
    return rows ? *rows : std::vector<AuditRow>{};
  }

  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<pqxx::connection> conn_;
  std::int64_t tenant_id_ = 0;
};

TEST_F(KeySetStoreTest, AddThenActivateAuditsBothAndBumpsTheGeneration) {
  const std::int64_t g0 = generation();
  auto added =
      op([](KeySetStore& s) { return s.add_pending(kTenant, test_key(0, "k1", kT0), kT0); });
  ASSERT_TRUE(added) << added.error();
  ASSERT_TRUE(added->added);
  EXPECT_EQ(added->added->tenant_id, tenant_id_) << "the tenant comes from the name";
  EXPECT_EQ(state("k1"), "pending");
  EXPECT_GT(added->generation, g0);
  EXPECT_EQ(added->generation, generation());

  auto act = op([](KeySetStore& s) { return s.activate(kTenant, "k1", kT0); });
  ASSERT_TRUE(act) << act.error();
  EXPECT_EQ(act->activated, "k1");
  EXPECT_FALSE(act->deactivated);
  EXPECT_GT(act->generation, added->generation);
  EXPECT_EQ(state("k1"), "active");

  auto rows = audit();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].entry.action, "signing-key.add");
  EXPECT_EQ(rows[0].entry.actor, "test:actor");
  EXPECT_EQ(rows[0].entry.target, "k1");
  EXPECT_FALSE(rows[0].entry.old_value);
  EXPECT_NE(rows[0].entry.new_value->find("\"state\": \"pending\""), std::string::npos)
      << *rows[0].entry.new_value;
  EXPECT_EQ(rows[1].entry.action, "signing-key.activate");
  EXPECT_EQ(rows[1].entry.old_value, "{\"active_key_id\": null}");
  EXPECT_NE(rows[1].entry.new_value->find("\"active_key_id\": \"k1\""), std::string::npos);
}

TEST_F(KeySetStoreTest, RotationKeepsThePreviousKeyVerifyingForTheRetentionPeriod) {
  ASSERT_TRUE(rotate("k1", kT0));
  auto second = rotate("k2", kT0 + 1h);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->activated, "k2");
  EXPECT_EQ(second->deactivated, "k1");
  EXPECT_EQ(second->deactivated_verify_until, kT0 + 1h + kRetention);
  EXPECT_EQ(state("k1"), "verify-only");
  EXPECT_EQ(state("k2"), "active");
  auto rows = audit();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].entry.action, "signing-key.rotate");
  EXPECT_EQ(rows[1].entry.old_value, "{\"active_key_id\": \"k1\"}");
  const std::string& nv = *rows[1].entry.new_value;
  EXPECT_NE(nv.find("\"active_key_id\": \"k2\""), std::string::npos) << nv;
  EXPECT_NE(nv.find("\"verify_only_key_id\": \"k1\""), std::string::npos) << nv;
  EXPECT_NE(nv.find("\"added\": {"), std::string::npos) << nv;
}

TEST_F(KeySetStoreTest, ActivatingAPendingKeyNeverLeavesTwoActiveKeys) {
  ASSERT_TRUE(rotate("k1", kT0));
  ASSERT_TRUE(
      op([](KeySetStore& s) { return s.add_pending(kTenant, test_key(0, "k2", kT0), kT0); }));
  ASSERT_TRUE(op([](KeySetStore& s) { return s.activate(kTenant, "k2", kT0 + 1s); }));
  EXPECT_EQ(sql("SELECT count(*) FROM signing_keys WHERE state = 'active'"), "1");
  EXPECT_EQ(state("k1"), "verify-only");
  // The database refuses a second active key even to a writer that bypasses the store.
  auto bypass = test_util::exec_sql(
      *conn_,
      "UPDATE signing_keys SET state = 'active', deactivated_at = NULL, verify_until = "
      "NULL WHERE key_id = 'k1'");
  ASSERT_FALSE(bypass);
  EXPECT_EQ(bypass.error().code, Errc::kConflict);
}

TEST_F(KeySetStoreTest, ConcurrentRotationsSerializeOnTheTenantRow) {
  constexpr int kWriters = 6;
  std::vector<std::thread> threads;
  std::vector<Result<KeySetChange>> results(kWriters, fail(Errc::kInternal, "not run"));
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] { results[i] = rotate("c" + std::to_string(i), kT0 + 1s * i); });
  }
  for (auto& t : threads) t.join();
  int first = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error();
    if (!r->deactivated) ++first;
  }
  EXPECT_EQ(first, 1) << "exactly one rotation found no active key";
  EXPECT_EQ(sql("SELECT count(*) FROM signing_keys WHERE state = 'active'"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM signing_keys WHERE state = 'verify-only'"),
            std::to_string(kWriters - 1));
  // Each rotation deactivated the key the one before it activated: a chain, no key twice.
  EXPECT_EQ(sql("SELECT count(DISTINCT old_value->>'active_key_id') FROM audit_log WHERE "
                "action = 'signing-key.rotate' AND old_value->>'active_key_id' IS NOT NULL"),
            std::to_string(kWriters - 1));
  EXPECT_EQ(audit().size(), static_cast<std::size_t>(kWriters));
}

TEST_F(KeySetStoreTest, KeyRetiresExactlyAtVerifyUntilAndEveryChangeRetiresDueKeys) {
  ASSERT_TRUE(rotate("k1", kT0));
  ASSERT_TRUE(rotate("k2", kT0 + 1h));
  const TimePoint due = kT0 + 1h + kRetention;
  auto early = op([&](KeySetStore& s) { return s.retire_due(kTenant, due - 1us); });
  ASSERT_TRUE(early) << early.error();
  EXPECT_TRUE(early->retired.empty());
  EXPECT_EQ(state("k1"), "verify-only");

  const std::int64_t g = generation();
  auto later =
      op([&](KeySetStore& s) { return s.add_pending(kTenant, test_key(0, "k3", kT0), due); });
  ASSERT_TRUE(later) << later.error();
  EXPECT_EQ(later->retired, std::vector<std::string>{"k1"});
  EXPECT_EQ(state("k1"), "retired");
  EXPECT_GT(generation(), g);
  auto rows = audit();
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[rows.size() - 2].entry.action, "signing-key.retire");
  EXPECT_EQ(rows[rows.size() - 2].entry.target, "k1");
  EXPECT_EQ(rows.back().entry.action, "signing-key.add");
}

TEST_F(KeySetStoreTest, FailedOperationsChangeNothing) {
  ASSERT_TRUE(rotate("k1", kT0));
  ASSERT_TRUE(rotate("k2", kT0 + 1h));
  NewSigningKey expired = test_key(0, "old", kT0);
  expired.not_before = kT0 - 48h;
  expired.not_after = kT0 - 24h;
  ASSERT_TRUE(op([&](KeySetStore& s) { return s.add_pending(kTenant, expired, kT0 - 30h); }));
  const std::string before = snapshot();

  // Activation at a time when k1 is also due: the retirement must roll back with the failure.
  const TimePoint late = kT0 + 1h + kRetention;
  auto act = op([&](KeySetStore& s) { return s.activate(kTenant, "old", late); });
  ASSERT_FALSE(act);
  EXPECT_EQ(act.error().code, Errc::kInvalidTimeRange);
  EXPECT_EQ(snapshot(), before);

  auto dup = op([&](KeySetStore& s) { return s.rotate(kTenant, test_key(0, "k1", kT0), late); });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  EXPECT_EQ(snapshot(), before);

  auto missing = op([&](KeySetStore& s) { return s.activate(kTenant, "nope", kT0); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kKeyNotFound);
  auto not_pending = op([&](KeySetStore& s) { return s.activate(kTenant, "k1", kT0 + 2h); });
  ASSERT_FALSE(not_pending);
  EXPECT_EQ(not_pending.error().code, Errc::kConflict);
  auto no_tenant =
      op([&](KeySetStore& s) { return s.rotate("nowhere", test_key(0, "x", kT0), kT0); });
  ASSERT_FALSE(no_tenant);
  EXPECT_EQ(no_tenant.error().code, Errc::kNotFound);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(KeySetStoreTest, ImportStoresAThirdPartyKeyPendingOrActive) {
  ASSERT_TRUE(rotate("k1", kT0));
  auto pending =
      op([](KeySetStore& s) { return s.import(kTenant, test_key(0, "tp1", kT0), false, kT0); });
  ASSERT_TRUE(pending) << pending.error();
  EXPECT_FALSE(pending->activated);
  EXPECT_EQ(sql("SELECT source || '/' || state FROM signing_keys WHERE key_id = 'tp1'"),
            "third-party/pending");
  auto active =
      op([](KeySetStore& s) { return s.import(kTenant, test_key(0, "tp2", kT0), true, kT0 + 1s); });
  ASSERT_TRUE(active) << active.error();
  EXPECT_EQ(active->activated, "tp2");
  EXPECT_EQ(active->deactivated, "k1");
  EXPECT_EQ(sql("SELECT count(*) FROM audit_log WHERE action = 'signing-key.import'"), "2");
}

TEST_F(KeySetStoreTest, EveryOperationNotifiesTheKeysetChannelAfterCommit) {
  auto listener = Listener::open(conninfo(), {"sigil_keyset"});
  ASSERT_TRUE(listener) << listener.error();
  auto expect_notified = [&](const char* what) {
    auto n = (*listener)->wait(5s);
    ASSERT_TRUE(n) << n.error();
    ASSERT_TRUE(n->has_value()) << what;
    EXPECT_EQ((*n)->payload, kTenant) << what;
    while (true) {  // drain the rest of this transaction's notifications
      auto more = (*listener)->wait(50ms);
      ASSERT_TRUE(more);
      if (!more->has_value()) break;
    }
  };
  ASSERT_TRUE(
      op([](KeySetStore& s) { return s.add_pending(kTenant, test_key(0, "k1", kT0), kT0); }));
  expect_notified("add");
  ASSERT_TRUE(op([](KeySetStore& s) { return s.activate(kTenant, "k1", kT0); }));
  expect_notified("activate");
  ASSERT_TRUE(rotate("k2", kT0 + 1s));
  expect_notified("rotate");
  ASSERT_TRUE(
      op([](KeySetStore& s) { return s.import(kTenant, test_key(0, "k3", kT0), true, kT0 + 2s); }));
  expect_notified("import");
  ASSERT_TRUE(op([](KeySetStore& s) { return s.retire_due(kTenant, kT0 + 2s + kRetention); }));
  expect_notified("retire");
  EXPECT_EQ(state("k1"), "retired");
}

TEST_F(KeySetStoreTest, VerifyingListLeavesOutKeysPastVerifyUntil) {
  ASSERT_TRUE(rotate("k1", kT0));
  ASSERT_TRUE(rotate("k2", kT0 + 1h));
  const TimePoint due = kT0 + 1h + kRetention;
  auto list = [&](TimePoint now) {
    return transact(*pool_, "list", [&](pqxx::dbtransaction& tx) {
      return SigningKeyStore(tx).list_verifying(tenant_id_, now);
    });
  };
  auto before = list(due - 1s);
  ASSERT_TRUE(before) << before.error();
  EXPECT_EQ(before->size(), 2u);
  auto after = list(due);
  ASSERT_TRUE(after) << after.error();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].key_id, "k2");
}

TEST_F(KeySetStoreTest, PolicyChangeIsValidatedAuditedAndNeverShortensRetention) {
  ASSERT_TRUE(rotate("k1", kT0));
  TenantPolicyUpdate bad;
  bad.max_renew_count = 5000;
  auto refused = transact(*pool_, "policy", [&](pqxx::dbtransaction& tx) {
    return set_tenant_policy(tx, kTenant, bad, "test:actor", kT0);
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "max_renew_count must be 0..1000, not 5000");
  EXPECT_FALSE(validate(TenantPolicyUpdate{}));

  TenantPolicyUpdate shrink;
  shrink.max_hok_lifetime_s = 3600;
  shrink.max_renew_count = 0;
  auto changed = transact(*pool_, "policy", [&](pqxx::dbtransaction& tx) {
    return set_tenant_policy(tx, kTenant, shrink, "test:actor", kT0 + 1h);
  });
  ASSERT_TRUE(changed) << changed.error();
  EXPECT_EQ(changed->policy.max_hok_lifetime_s, 3600);
  EXPECT_EQ(changed->policy.max_bearer_lifetime_s, 300) << "other fields unchanged";
  auto rows = audit();
  ASSERT_EQ(rows.back().entry.action, "tenant.set-policy");
  EXPECT_NE(rows.back().entry.old_value->find("\"max_hok_lifetime_s\": 2592000"),
            std::string::npos);
  EXPECT_NE(rows.back().entry.new_value->find("\"max_hok_lifetime_s\": 3600"), std::string::npos);

  // k1 may have signed 30-day tokens before the change: it keeps the old retention.
  auto next = rotate("k2", kT0 + 2h);
  ASSERT_TRUE(next) << next.error();
  EXPECT_EQ(next->deactivated_verify_until, kT0 + 1h + kRetention);
  // A key that only ever signed under the short policy gets the short retention.
  auto third = rotate("k3", kT0 + 3h);
  ASSERT_TRUE(third) << third.error();
  EXPECT_EQ(third->deactivated_verify_until, kT0 + 3h + 3600s + 600s);
}

}  // namespace
}  // namespace sigil::db
