// UserStore against a real database: normalised names, attributes, and the lockout writes.

#include "sigil/db/user_store.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "db_test_util.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/testing/pg_environment.hpp"

namespace {

using sigil::Errc;
using sigil::Result;
using sigil::TimePoint;
using sigil::db::LockoutRule;
using sigil::db::NewUser;
using sigil::db::transact;
using sigil::db::UserRow;
using sigil::db::UserStore;
using namespace std::chrono_literals;

// "Ａｄｍｉｎ": full-width letters, which NFKC folds to "Admin".
constexpr const char* kFullWidthAdmin =
    "\xEF\xBC\xA1\xEF\xBD\x84\xEF\xBD\x8D\xEF\xBD\x89\xEF\xBD\x8E";

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

NewUser new_user(const std::string& name) {
  NewUser u;
  u.name = name;
  u.password_hash = "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA";
  u.groups = {"Administrators", "Users"};
  u.first_name = "Ada";
  u.last_name = "Lovelace";
  return u;
}

class UserStoreTest : public sigil::testing::PgTest {
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

  Result<UserRow> create(const NewUser& u, std::int64_t tenant = 0) {
    return transact(*pool_, "create", [&](pqxx::dbtransaction& tx) {
      return UserStore(tx).create(tenant ? tenant : tenant_, u);
    });
  }

  Result<std::optional<UserRow>> find(const std::string& name) {
    return transact(*pool_, "find",
                    [&](pqxx::dbtransaction& tx) { return UserStore(tx).find(tenant_, name); });
  }

  Result<sigil::db::LoginFailureState> fail_once(std::int64_t id, TimePoint at,
                                                 const LockoutRule& rule) {
    return transact(*pool_, "fail", [&](pqxx::dbtransaction& tx) {
      return UserStore(tx).record_failure(id, at, rule);
    });
  }

  std::unique_ptr<sigil::db::ConnectionPool> pool_;
  std::int64_t tenant_ = 0;
};

TEST_F(UserStoreTest, CreatedUserIsFoundUnderCaseAndFullWidthForms) {
  auto created = create(new_user("Admin"));
  ASSERT_TRUE(created) << created.error();
  for (const std::string name : {"Admin", "ADMIN", "admin", kFullWidthAdmin}) {
    auto found = find(name);
    ASSERT_TRUE(found) << found.error();
    ASSERT_TRUE(found->has_value()) << name;
    const UserRow& u = **found;
    EXPECT_EQ(u.id, created->id);
    EXPECT_EQ(u.name, "Admin");
    EXPECT_EQ(u.groups, (std::vector<std::string>{"Administrators", "Users"}));
    EXPECT_EQ(u.first_name, "Ada");
    EXPECT_EQ(u.last_name, "Lovelace");
    EXPECT_FALSE(u.disabled);
    EXPECT_EQ(u.failed_login_count, 0);
    EXPECT_FALSE(u.first_failed_at.has_value());
    EXPECT_FALSE(u.locked_until.has_value());
  }
  auto other = find("Admin2");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
}

TEST_F(UserStoreTest, DuplicateNameInAnyFormIsConflict) {
  ASSERT_TRUE(create(new_user("Admin")));
  for (const std::string name : {"Admin", "ADMIN", kFullWidthAdmin}) {
    auto dup = create(new_user(name));
    ASSERT_FALSE(dup) << name;
    EXPECT_EQ(dup.error().code, Errc::kConflict);
    EXPECT_EQ(dup.error().message, "user " + name + " already exists");
  }
}

TEST_F(UserStoreTest, SameNameInAnotherTenantIsAnotherUser) {
  auto other = transact(*pool_, "tenant", [](pqxx::dbtransaction& tx) {
    return sigil::db::TenantStore(tx).create("other.local");
  });
  ASSERT_TRUE(other);
  ASSERT_TRUE(create(new_user("Admin")));
  auto second = create(new_user("Admin"), other->id);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->tenant_id, other->id);
}

TEST_F(UserStoreTest, RefusedNamesAndGroupsAreInvalidArgument) {
  for (const std::string& name : {std::string(" Admin"), std::string("Ad\tmin"), std::string(),
                                  std::string("bad\xC3"), std::string("nul\0x", 5)}) {
    auto r = create(new_user(name));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << r.error();
  }
  NewUser prefixed = new_user("Bob");
  prefixed.groups = {"vsphere.local\\Administrators"};
  auto r = create(prefixed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST_F(UserStoreTest, UnknownTenantIsNotFound) {
  auto r = create(new_user("Admin"), tenant_ + 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
}

TEST_F(UserStoreTest, GroupsWithQuotesCommasAndBracesRoundTrip) {
  NewUser u = new_user("Quoted");
  u.groups = {"a,b", "say \"hi\"", "{braces}", "NULL", "\xC3\xBCml\xC3\xA4ut"};
  u.first_name.reset();
  u.last_name.reset();
  ASSERT_TRUE(create(u));
  auto found = find("quoted");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->groups, u.groups);
  EXPECT_FALSE((*found)->first_name.has_value());
  EXPECT_FALSE((*found)->last_name.has_value());
}

TEST_F(UserStoreTest, ListRemoveDisableAndPasswordChange) {
  ASSERT_TRUE(create(new_user("carol")));
  ASSERT_TRUE(create(new_user("Bob")));
  auto list = transact(*pool_, "list",
                       [&](pqxx::dbtransaction& tx) { return UserStore(tx).list(tenant_); });
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Bob");
  EXPECT_EQ((*list)[1].name, "carol");

  auto changed = transact(*pool_, "edit", [&](pqxx::dbtransaction& tx) -> Result<void> {
    UserStore users(tx);
    SIGIL_TRY_VOID(users.set_disabled(tenant_, "BOB", true));
    return users.set_password_hash(tenant_, "Carol", "$scrypt$new", kT0);
  });
  ASSERT_TRUE(changed) << changed.error();
  EXPECT_TRUE((*find("bob"))->disabled);
  EXPECT_EQ((*find("carol"))->password_hash, "$scrypt$new");
  EXPECT_EQ((*find("carol"))->password_changed_at, kT0);

  auto removed = transact(*pool_, "remove", [&](pqxx::dbtransaction& tx) {
    return UserStore(tx).remove(tenant_, "CAROL");
  });
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_FALSE(find("carol")->has_value());
  auto again = transact(*pool_, "remove", [&](pqxx::dbtransaction& tx) {
    return UserStore(tx).remove(tenant_, "carol");
  });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kNotFound);
}

TEST_F(UserStoreTest, RecordFailureLocksWhenTheCountReachesTheMaximum) {
  auto u = create(new_user("Admin"));
  ASSERT_TRUE(u);
  const LockoutRule rule{3, 180s, 900s};
  for (int i = 1; i <= 2; ++i) {
    auto s = fail_once(u->id, kT0 + i * 10s, rule);
    ASSERT_TRUE(s) << s.error();
    EXPECT_EQ(s->failed_login_count, i);
    EXPECT_FALSE(s->locked_until.has_value());
  }
  auto third = fail_once(u->id, kT0 + 30s, rule);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->failed_login_count, 3);
  EXPECT_EQ(third->locked_until, kT0 + 30s + 900s);
  auto fourth = fail_once(u->id, kT0 + 40s, rule);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->locked_until, kT0 + 30s + 900s) << "a lock in force is never extended";
  EXPECT_EQ((*find("admin"))->first_failed_at, kT0 + 10s);
}

TEST_F(UserStoreTest, FailureAfterTheWindowOrAnExpiredLockRestartsTheCount) {
  auto u = create(new_user("Admin"));
  ASSERT_TRUE(u);
  const LockoutRule rule{2, 180s, 900s};
  ASSERT_TRUE(fail_once(u->id, kT0, rule));
  auto late = fail_once(u->id, kT0 + 180s, rule);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->failed_login_count, 1) << "the window is [first, first + 180 s)";
  auto locked = fail_once(u->id, kT0 + 200s, rule);
  ASSERT_TRUE(locked);
  ASSERT_EQ(locked->locked_until, kT0 + 1100s);
  auto after_lock = fail_once(u->id, kT0 + 1100s, rule);
  ASSERT_TRUE(after_lock);
  EXPECT_EQ(after_lock->failed_login_count, 1);
  EXPECT_FALSE(after_lock->locked_until.has_value());
}

TEST_F(UserStoreTest, ResetFailuresClearsCountAndLock) {
  auto u = create(new_user("Admin"));
  ASSERT_TRUE(u);
  ASSERT_TRUE(fail_once(u->id, kT0, LockoutRule{1, 180s, 900s}));
  auto reset = transact(*pool_, "reset", [&](pqxx::dbtransaction& tx) {
    return UserStore(tx).reset_failures(u->id);
  });
  ASSERT_TRUE(reset) << reset.error();
  auto row = find("admin");
  EXPECT_EQ((*row)->failed_login_count, 0);
  EXPECT_FALSE((*row)->first_failed_at.has_value());
  EXPECT_FALSE((*row)->locked_until.has_value());
  auto gone = transact(*pool_, "reset", [&](pqxx::dbtransaction& tx) {
    return UserStore(tx).reset_failures(u->id + 1000);
  });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kNotFound);
}

TEST_F(UserStoreTest, ConcurrentFailuresAreAllCounted) {
  auto u = create(new_user("Admin"));
  ASSERT_TRUE(u);
  constexpr int kThreads = 6;
  constexpr int kEach = 20;
  const LockoutRule rule{1000, 3600s, 900s};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!fail_once(u->id, kT0, rule)) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ((*find("admin"))->failed_login_count, kThreads * kEach);
}

}  // namespace
