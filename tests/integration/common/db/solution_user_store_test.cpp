// SolutionUserStore against a real database.

#include "sigil/db/solution_user_store.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::Result;
using sigil::db::SolutionUserRow;
using sigil::db::SolutionUserStore;
using sigil::db::transact;

const std::string kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const std::string kDigestA(64, 'a');
const std::string kDigestB(64, 'b');

class SolutionUserStoreTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<sigil::db::ConnectionPool>(conninfo(), sigil::db::PoolOptions{});
    auto t = transact(*pool_, "tenant", [](pqxx::dbtransaction& tx) {
      return sigil::db::TenantStore(tx).create("vsphere.local");
    });
    ASSERT_TRUE(t) << t.error();
    tenant_ = t->id;
  }

  Result<SolutionUserRow> create(const std::string& name, const std::string& digest) {
    return transact(*pool_, "create", [&](pqxx::dbtransaction& tx) {
      return SolutionUserStore(tx).create(tenant_, name, kPem, digest, {"SolutionUsers"});
    });
  }

  std::unique_ptr<sigil::db::ConnectionPool> pool_;
  std::int64_t tenant_ = 0;
};

TEST_F(SolutionUserStoreTest, SolutionUserIsFoundByExactCertificateDigestAndByName) {
  auto created = create("vpxd-extension", kDigestA);
  ASSERT_TRUE(created) << created.error();
  auto by_cert = transact(*pool_, "find", [&](pqxx::dbtransaction& tx) {
    return SolutionUserStore(tx).find_by_certificate(tenant_, std::string(64, 'A'));
  });
  ASSERT_TRUE(by_cert) << by_cert.error();
  ASSERT_TRUE(by_cert->has_value());
  EXPECT_EQ((*by_cert)->name, "vpxd-extension");
  EXPECT_EQ((*by_cert)->certificate_sha256, kDigestA);
  EXPECT_EQ((*by_cert)->certificate_pem, kPem);
  EXPECT_EQ((*by_cert)->groups, std::vector<std::string>{"SolutionUsers"});

  auto other_cert = transact(*pool_, "find", [&](pqxx::dbtransaction& tx) {
    return SolutionUserStore(tx).find_by_certificate(tenant_, kDigestB);
  });
  ASSERT_TRUE(other_cert);
  EXPECT_FALSE(other_cert->has_value());
  auto by_name = transact(*pool_, "find", [&](pqxx::dbtransaction& tx) {
    return SolutionUserStore(tx).find(tenant_, "VPXD-Extension");
  });
  ASSERT_TRUE(by_name && by_name->has_value());
  EXPECT_EQ((*by_name)->id, created->id);
}

TEST_F(SolutionUserStoreTest, DuplicateNameOrCertificateIsConflictSayingWhich) {
  ASSERT_TRUE(create("svc", kDigestA));
  auto same_name = create("SVC", kDigestB);
  ASSERT_FALSE(same_name);
  EXPECT_EQ(same_name.error().code, Errc::kConflict);
  EXPECT_EQ(same_name.error().message, "solution user SVC already exists");
  auto same_cert = create("svc2", kDigestA);
  ASSERT_FALSE(same_cert);
  EXPECT_EQ(same_cert.error().code, Errc::kConflict);
  EXPECT_EQ(same_cert.error().message, "a solution user with this certificate already exists");
}

TEST_F(SolutionUserStoreTest, MalformedDigestIsInvalidArgument) {
  for (const std::string& digest : {std::string(63, 'a'), std::string(64, 'g'), std::string()}) {
    auto r = create("svc", digest);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

TEST_F(SolutionUserStoreTest, ListDisableAndRemove) {
  ASSERT_TRUE(create("b-svc", kDigestB));
  ASSERT_TRUE(create("a-svc", kDigestA));
  auto r = transact(*pool_, "edit", [&](pqxx::dbtransaction& tx) -> Result<void> {
    SolutionUserStore s(tx);
    SIGIL_TRY_VOID(s.set_disabled(tenant_, "B-SVC", true));
    return s.remove(tenant_, "a-svc");
  });
  ASSERT_TRUE(r) << r.error();
  auto list = transact(
      *pool_, "list", [&](pqxx::dbtransaction& tx) { return SolutionUserStore(tx).list(tenant_); });
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "b-svc");
  EXPECT_TRUE((*list)[0].disabled);
  auto missing = transact(*pool_, "remove", [&](pqxx::dbtransaction& tx) {
    return SolutionUserStore(tx).remove(tenant_, "a-svc");
  });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

}  // namespace
