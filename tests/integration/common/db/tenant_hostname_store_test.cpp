// TenantStore's hostnames against the real schema: normalised on the way in, one tenant per
// hostname (owner named), idempotent for the same tenant, audited in the same transaction, and
// every change (including a tenant's deletion and rename) announced on sigil_tenant_hostnames
// after commit (proto/sql/003_tenant_hostnames.sql).

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/listener.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::Result;
using sigil::db::TenantStore;
using namespace sigil::db::test_util;
using namespace std::chrono_literals;

class TenantHostnameStore : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    auto conn = sigil::db::connect(conninfo());
    ASSERT_TRUE(conn) << conn.error();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(create_tenant(*conn_, "acme"));
    ASSERT_TRUE(create_tenant(*conn_, "beta"));
    auto listener = sigil::db::Listener::open(conninfo(), {"sigil_tenant_hostnames"});
    ASSERT_TRUE(listener) << listener.error();
    listener_ = std::move(listener).value();
  }
  Result<bool> add(const std::string& tenant, const std::string& hostname) {
    return sigil::db::transact(*conn_, "add", [&](pqxx::dbtransaction& tx) {
      return TenantStore(tx).add_hostname(tenant, hostname, "test:actor");
    });
  }
  Result<void> remove(const std::string& tenant, const std::string& hostname) {
    return sigil::db::transact(*conn_, "remove", [&](pqxx::dbtransaction& tx) {
      return TenantStore(tx).remove_hostname(tenant, hostname, "test:actor");
    });
  }
  // The next notification's payload, or "(none)".
  std::string next_payload(std::chrono::milliseconds wait = 5s) {
    auto n = listener_->wait(wait);
    EXPECT_TRUE(n) << n.error();
    return n && n->has_value() ? (*n)->payload : "(none)";
  }
  std::string audit_count(const std::string& action) {
    auto r = query_text(*conn_, "SELECT count(*) FROM audit_log WHERE action = '" + action +
                                    "' AND actor = 'test:actor'");
    return r ? *r : "?";
  }
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<sigil::db::Listener> listener_;
};

TEST_F(TenantHostnameStore, AddIsNormalisedAuditedAnnouncedAndIdempotent) {
  auto added = add("ACME", "Login.Acme.Example.");
  ASSERT_TRUE(added) << added.error();
  EXPECT_TRUE(*added);
  EXPECT_EQ(next_payload(), "login.acme.example");
  EXPECT_EQ(audit_count("tenant.hostname.add"), "1");
  auto again = add("acme", "login.acme.example");
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE(*again);
  EXPECT_EQ(next_payload(100ms), "(none)");
  EXPECT_EQ(audit_count("tenant.hostname.add"), "1");

  auto names = sigil::db::transact(*conn_, "read", [](pqxx::dbtransaction& tx) {
    return TenantStore(tx).hostnames("acme");
  });
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"login.acme.example"});
  auto map = sigil::db::transact(*conn_, "map", [](pqxx::dbtransaction& tx) {
    return TenantStore(tx).hostname_map();
  });
  ASSERT_TRUE(map);
  ASSERT_EQ(map->size(), 1u);
  EXPECT_EQ(map->at("login.acme.example"), "acme");
}

TEST_F(TenantHostnameStore, AnotherTenantsHostnameIsRefusedNamingTheOwner) {
  ASSERT_TRUE(add("acme", "sts.example"));
  (void)next_payload();
  auto taken = add("beta", "STS.example");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Errc::kConflict);
  EXPECT_EQ(taken.error().message, "the hostname sts.example belongs to tenant acme");
  auto not_theirs = remove("beta", "sts.example");
  ASSERT_FALSE(not_theirs);
  EXPECT_EQ(not_theirs.error().code, Errc::kNotFound);
  EXPECT_NE(not_theirs.error().message.find("(it belongs to tenant acme)"), std::string::npos);
  EXPECT_EQ(next_payload(100ms), "(none)");
  auto unknown = add("nobody", "x.example");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  auto wildcard = add("acme", "*.example");
  ASSERT_FALSE(wildcard);
  EXPECT_EQ(wildcard.error().code, Errc::kInvalidArgument);
}

TEST_F(TenantHostnameStore, RemovalDeletionAndRenameAreAnnounced) {
  ASSERT_TRUE(add("acme", "a.example"));
  ASSERT_TRUE(add("beta", "b.example"));
  EXPECT_EQ(next_payload(), "a.example");
  EXPECT_EQ(next_payload(), "b.example");
  ASSERT_TRUE(remove("acme", "A.example"));
  EXPECT_EQ(next_payload(), "a.example");
  EXPECT_EQ(audit_count("tenant.hostname.remove"), "1");
  // Deleting a tenant takes its hostnames (ON DELETE CASCADE); renaming changes the map's values.
  ASSERT_TRUE(exec_sql(*conn_, "UPDATE tenants SET name = 'beta2' WHERE name = 'beta'"));
  EXPECT_EQ(next_payload(), "");
  ASSERT_TRUE(exec_sql(*conn_, "DELETE FROM tenants WHERE name = 'beta2'"));
  EXPECT_EQ(next_payload(), "b.example");
}

}  // namespace
