// What the schema itself guarantees, whatever code talks to it: one active key per tenant,
// an append-only audit log, case- and form-insensitive user names, ordered change records.

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using namespace sigil::db::test_util;

class SchemaTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    auto conn = sigil::db::connect(conninfo());
    ASSERT_TRUE(conn) << conn.error();
    conn_ = std::move(conn).value();
  }

  // A tenant with two pending keys "<tenant>-k1" and "<tenant>-k2"; returns the tenant id.
  std::int64_t tenant_with_two_keys(const std::string& tenant) {
    auto t = create_tenant(*conn_, tenant);
    EXPECT_TRUE(t) << t.error();
    if (!t) return 0;
    EXPECT_TRUE(insert_key(*conn_, test_key(t->id, tenant + "-k1")));
    EXPECT_TRUE(insert_key(*conn_, test_key(t->id, tenant + "-k2")));
    return t->id;
  }

  std::unique_ptr<pqxx::connection> conn_;
};

TEST_F(SchemaTest, DatabaseRefusesASecondActiveKeyForATenant) {
  const auto tenant = tenant_with_two_keys("vsphere.local");
  ASSERT_TRUE(exec_sql(*conn_,
                       "UPDATE signing_keys SET state = 'active', activated_at = now() "
                       "WHERE key_id = 'vsphere.local-k1'"));
  auto second = exec_sql(*conn_,
                         "UPDATE signing_keys SET state = 'active', activated_at = now() "
                         "WHERE key_id = 'vsphere.local-k2'");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kConflict);
  EXPECT_NE(second.error().detail.find("signing_keys_one_active_per_tenant"), std::string::npos)
      << second.error();
  auto active = query_text(*conn_,
                           "SELECT count(*) FROM signing_keys WHERE state = 'active' "
                           "AND tenant_id = " +
                               std::to_string(tenant));
  ASSERT_TRUE(active);
  EXPECT_EQ(*active, "1");
}

TEST_F(SchemaTest, TwoTenantsCanEachHaveOneActiveKey) {
  const auto a = tenant_with_two_keys("a.example");
  const auto b = tenant_with_two_keys("b.example");
  EXPECT_TRUE(activate_key(*conn_, a, "a.example-k1"));
  EXPECT_TRUE(activate_key(*conn_, b, "b.example-k2"));
  auto active = query_text(*conn_, "SELECT count(*) FROM signing_keys WHERE state = 'active'");
  ASSERT_TRUE(active);
  EXPECT_EQ(*active, "2");
}

TEST_F(SchemaTest, ActiveKeyWithoutActivationTimeViolatesACheck) {
  tenant_with_two_keys("t.example");
  auto r =
      exec_sql(*conn_, "UPDATE signing_keys SET state = 'active' WHERE key_id = 't.example-k1'");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_NE(r.error().detail.find("SQLSTATE 23514"), std::string::npos) << r.error();
}

TEST_F(SchemaTest, AuditLogRefusesUpdateDeleteAndTruncate) {
  ASSERT_TRUE(exec_sql(*conn_,
                       "INSERT INTO audit_log (actor, action, tenant, target, new_value) "
                       "VALUES ('admin', 'tenant.create', 't', 't', '{\"a\": 1}')"));
  for (const char* sql :
       {"UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
    auto r = exec_sql(*conn_, sql);
    ASSERT_FALSE(r) << sql;
    EXPECT_NE(r.error().detail.find("append-only"), std::string::npos) << r.error();
  }
  auto actor = query_text(*conn_, "SELECT actor FROM audit_log");
  ASSERT_TRUE(actor);
  EXPECT_EQ(*actor, "admin");
}

TEST_F(SchemaTest, SigningKeyChangesBumpTheTenantKeysetGeneration) {
  const auto tenant = tenant_with_two_keys("gen.example");  // two inserts: generation 2
  ASSERT_TRUE(activate_key(*conn_, tenant, "gen.example-k1"));
  auto gen = query_text(
      *conn_, "SELECT keyset_generation FROM tenants WHERE id = " + std::to_string(tenant));
  ASSERT_TRUE(gen) << gen.error();
  EXPECT_EQ(*gen, "3");
  ASSERT_TRUE(exec_sql(*conn_, "DELETE FROM signing_keys WHERE key_id = 'gen.example-k2'"));
  gen = query_text(*conn_,
                   "SELECT keyset_generation FROM tenants WHERE id = " + std::to_string(tenant));
  ASSERT_TRUE(gen);
  EXPECT_EQ(*gen, "4");
}

TEST_F(SchemaTest, TenantWithKeysCannotBeDeleted) {
  const auto tenant = tenant_with_two_keys("keep.example");
  auto r = exec_sql(*conn_, "DELETE FROM tenants WHERE id = " + std::to_string(tenant));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_NE(r.error().detail.find("SQLSTATE 23503"), std::string::npos) << r.error();
}

TEST_F(SchemaTest, UserNamesAreUniqueIgnoringCaseAndUnicodeForm) {
  auto t = create_tenant(*conn_, "users.example");
  ASSERT_TRUE(t) << t.error();
  const std::string insert =
      "INSERT INTO users (tenant_id, name, password_hash) VALUES (" + std::to_string(t->id) + ", ";
  ASSERT_TRUE(exec_sql(*conn_, insert + "'Admin', '$argon2id$x')"));
  // Upper case, and full-width "Ａｄｍｉｎ" (NFKC folds it to "Admin").
  for (const char* name :
       {"'ADMIN'", "'\xEF\xBC\xA1\xEF\xBD\x84\xEF\xBD\x8D\xEF\xBD\x89\xEF\xBD\x8E'"}) {
    auto r = exec_sql(*conn_, insert + name + ", '$argon2id$y')");
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, Errc::kConflict) << r.error();
  }
  for (const char* name : {"' Admin'", "'Ad\tmin'", "''"}) {
    EXPECT_FALSE(exec_sql(*conn_, insert + name + ", '$argon2id$z')")) << name;
  }
}

TEST_F(SchemaTest, ChangeLogSeqFollowsCommitOrderAndRecordsCannotBeEdited) {
  ASSERT_TRUE(exec_sql(*conn_,
                       "INSERT INTO change_log (tenant, kind, payload) VALUES "
                       "('t', 'signing-key.activated', '{}'), "
                       "('t', 'signing-key.retired', '{}')"));
  auto seqs = query_text(*conn_, "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM change_log");
  ASSERT_TRUE(seqs) << seqs.error();
  EXPECT_EQ(*seqs, "1,2");
  auto r = exec_sql(*conn_, "UPDATE change_log SET kind = 'x'");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("append-only"), std::string::npos) << r.error();
}

TEST_F(SchemaTest, OnlyOneUnclearedAlarmPerKindAndSubject) {
  const std::string raise =
      "INSERT INTO alarms (kind, subject, severity, message, first_raised_at, last_raised_at) "
      "VALUES ('signing-cert.expiring', 'k1', 'warning', 'expires soon', now(), now())";
  ASSERT_TRUE(exec_sql(*conn_, raise));
  auto twice = exec_sql(*conn_, raise);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, Errc::kConflict);
  ASSERT_TRUE(exec_sql(*conn_, "UPDATE alarms SET cleared_at = now()"));
  EXPECT_TRUE(exec_sql(*conn_, raise));  // raised again after it was cleared
}

}  // namespace
