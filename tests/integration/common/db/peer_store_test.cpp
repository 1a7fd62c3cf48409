// The change log KeySetStore writes for linked peers, PeerStore's bookkeeping, and writing a
// merged key set (peer_store.hpp).

#include "sigil/db/peer_store.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"

#include "sigil/db/connection.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace sigil::db {
namespace {

using namespace std::chrono_literals;
using test_util::query_text;
using test_util::test_key;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));
constexpr const char* kTenant = "vsphere.local";

class PeerStoreTest : public sigil::testing::PgTest {
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
  auto tx(F&& fn) {
    return transact(*pool_, "test", [&](pqxx::dbtransaction& t) { return fn(t); });
  }

  std::string sql(const std::string& q) {
    auto r = query_text(*conn_, q);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : std::string();
  }

  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<pqxx::connection> conn_;
  std::int64_t tenant_id_ = 0;
};

TEST_F(PeerStoreTest, EveryKeySetChangeAppendsItsWholeSetInTheSameTransaction) {
  auto add = tx([&](pqxx::dbtransaction& t) {
    return KeySetStore(t, "test").add_pending(kTenant, test_key(0, "sk-a", kT0), kT0);
  });
  ASSERT_TRUE(add) << add.error();
  auto act = tx([&](pqxx::dbtransaction& t) {
    return KeySetStore(t, "test").activate(kTenant, "sk-a", kT0 + 1s);
  });
  ASSERT_TRUE(act) << act.error();
  EXPECT_EQ(sql("SELECT string_agg(kind, ',' ORDER BY seq) FROM change_log"),
            "keyset.add,keyset.activate");
  EXPECT_EQ(sql("SELECT payload->'keys'->0->>'state' FROM change_log WHERE kind = "
                "'keyset.activate'"),
            "active");
  EXPECT_EQ(sql("SELECT payload->>'tenant' FROM change_log ORDER BY seq DESC LIMIT 1"), kTenant);
  // retire_due with nothing due writes no record; a failed operation writes none either.
  auto none = tx(
      [&](pqxx::dbtransaction& t) { return KeySetStore(t, "test").retire_due(kTenant, kT0 + 2s); });
  ASSERT_TRUE(none);
  auto dup = tx([&](pqxx::dbtransaction& t) {
    return KeySetStore(t, "test").add_pending(kTenant, test_key(0, "sk-a", kT0), kT0);
  });
  ASSERT_FALSE(dup);
  EXPECT_EQ(sql("SELECT count(*) FROM change_log"), "2");
}

TEST_F(PeerStoreTest, APeerStartsAtTheLastSeqWithASnapshotAndCountsItsLag) {
  ASSERT_TRUE(tx([&](pqxx::dbtransaction& t) {
    return KeySetStore(t, "test").rotate(kTenant, test_key(0, "sk-a", kT0), kT0);
  }));
  auto peer =
      tx([&](pqxx::dbtransaction& t) { return PeerStore(t).add("https://127.0.0.1:1", "pem"); });
  ASSERT_TRUE(peer) << peer.error();
  EXPECT_EQ(peer->last_acked_seq, 1);
  auto again =
      tx([&](pqxx::dbtransaction& t) { return PeerStore(t).add("https://127.0.0.1:1", "pem"); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  auto list = tx([&](pqxx::dbtransaction& t) { return PeerStore(t).list(); });
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].lag, 1);  // the snapshot
  // A record that came from this peer is not sent back to it.
  ASSERT_TRUE(tx([&](pqxx::dbtransaction& t) {
    return append_keyset_change(t, tenant_id_, kTenant, "keyset.merge",
                                std::string("https://127.0.0.1:1"));
  }));
  auto pending = tx([&](pqxx::dbtransaction& t) { return PeerStore(t).pending((*list)[0], 10); });
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].kind, "keyset.snapshot");
  ASSERT_TRUE(tx([&](pqxx::dbtransaction& t) {
    return PeerStore(t).acknowledged((*list)[0].id, (*pending)[0].seq, kT0);
  }));
  list = tx([&](pqxx::dbtransaction& t) { return PeerStore(t).list(); });
  EXPECT_EQ((*list)[0].lag, 0);
  EXPECT_EQ((*list)[0].last_acked_at, kT0);
  auto removed =
      tx([&](pqxx::dbtransaction& t) { return PeerStore(t).remove("https://127.0.0.1:1"); });
  ASSERT_TRUE(removed);
  auto gone =
      tx([&](pqxx::dbtransaction& t) { return PeerStore(t).remove("https://127.0.0.1:1"); });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kNotFound);
}

TEST_F(PeerStoreTest, WritingAMergedSetSwapsTheActiveKeyAndInsertsWithTheWholeLifecycle) {
  ASSERT_TRUE(tx([&](pqxx::dbtransaction& t) {
    return KeySetStore(t, "test").rotate(kTenant, test_key(0, "sk-a", kT0), kT0);
  }));
  auto local = tx([&](pqxx::dbtransaction& t) { return replicated_keys(t, tenant_id_); });
  ASSERT_TRUE(local);
  keys::ReplicatedKey b = (*local)[0];
  b.key_id = "sk-b";
  b.certificate_sha256 = std::string(64, 'b');
  b.activated_at = kT0 + 10s;
  keys::RetentionPolicy policy;
  policy.clock_tolerance = 600s;
  policy.max_bearer_lifetime = 300s;
  policy.max_hok_lifetime = 3600s;
  auto merged = keys::merge_key_sets(*local, std::vector<keys::ReplicatedKey>{b}, policy);
  ASSERT_TRUE(merged);
  ASSERT_TRUE(tx([&](pqxx::dbtransaction& t) {
    return write_merged_keys(t, tenant_id_, *local, merged->keys);
  }));
  EXPECT_EQ(sql("SELECT string_agg(key_id || '=' || state, ',' ORDER BY key_id) FROM signing_keys"),
            "sk-a=verify-only,sk-b=active");
  auto after = tx([&](pqxx::dbtransaction& t) { return replicated_keys(t, tenant_id_); });
  ASSERT_TRUE(after);
  EXPECT_TRUE(keys::same_key_set(*after, merged->keys));
}

}  // namespace
}  // namespace sigil::db
