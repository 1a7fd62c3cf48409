// IdentitySource::authenticate_password: name forms, domains, and one answer for every failure.

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "identity_test_util.hpp"

namespace sigil::sts::identity::testing {
namespace {

class PasswordAuthTest : public IdentityTest {};

TEST_F(PasswordAuthTest, LoginSucceedsAsNameNameAtTenantAndTenantBackslashName) {
  add_user("Administrator", {"Administrators", "Users"}, "Administrator", "vsphere.local");
  for (const std::string form : {"Administrator", "administrator", "Administrator@vsphere.local",
                                 "administrator@VSPHERE.LOCAL", "vsphere.local\\Administrator",
                                 "VSPHERE.LOCAL\\ADMINISTRATOR"}) {
    auto p = login(form, kPassword);
    ASSERT_TRUE(p) << form << ": " << p.error();
    EXPECT_EQ(p->name, "Administrator") << form;
    EXPECT_EQ(p->upn, "Administrator@VSPHERE.LOCAL") << form;
    EXPECT_EQ(p->tenant, "vsphere.local");
    EXPECT_FALSE(p->is_solution_user);
    EXPECT_EQ(p->groups,
              (std::vector<std::string>{"vsphere.local\\Administrators", "vsphere.local\\Users",
                                        "vsphere.local\\Everyone"}));
    EXPECT_EQ(p->first_name, "Administrator");
    EXPECT_EQ(p->last_name, "vsphere.local");
    EXPECT_TRUE(p->certificate_sha256.empty());
  }
}

TEST_F(PasswordAuthTest, FullWidthFormOfTheNameLogsInAsTheSameUser) {
  add_user("Admin");
  auto p = login("\xEF\xBC\xA1\xEF\xBD\x84\xEF\xBD\x8D\xEF\xBD\x89\xEF\xBD\x8E", kPassword);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->upn, "Admin@VSPHERE.LOCAL");
}

TEST_F(PasswordAuthTest, NameInAnotherDomainIsRefused) {
  add_user("Administrator");
  for (const std::string form :
       {"Administrator@other.local", "other.local\\Administrator", "Administrator@",
        "\\Administrator", "Administrator@vsphere.local.evil"}) {
    auto p = login(form, kPassword);
    ASSERT_FALSE(p) << form;
    EXPECT_EQ(p.error().code, Errc::kAuthFailed) << form;
    EXPECT_EQ(p.error().message, "Authentication failed");
    EXPECT_EQ(p.error().detail, "reason=wrong_domain") << form;
  }
}

TEST_F(PasswordAuthTest, UnknownUserWrongPasswordDisabledAndLockedGiveTheSameError) {
  add_user("alice");
  add_user("bob");
  add_user("carol");
  edit([&](pqxx::dbtransaction& tx) {
    return db::UserStore(tx).set_disabled(tenant_id_, "bob", true);
  });
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(login("carol", kWrongPassword));
  ASSERT_TRUE(failures("carol").locked_until.has_value());

  struct Case {
    std::string user, password, reason;
  };
  const std::vector<Case> cases = {{"mallory", kPassword, "reason=unknown_user"},
                                   {"alice", kWrongPassword, "reason=bad_password"},
                                   {"bob", kPassword, "reason=disabled"},
                                   {"carol", kPassword, "reason=locked"},
                                   {"", kPassword, "reason=unknown_user"},
                                   {std::string("alice\0x", 7), kPassword, "reason=unknown_user"},
                                   {"al\xFFice", kPassword, "reason=unknown_user"}};
  for (const Case& c : cases) {
    auto p = login(c.user, c.password);
    ASSERT_FALSE(p) << c.user;
    EXPECT_EQ(p.error().code, Errc::kAuthFailed) << c.user;
    EXPECT_EQ(p.error().message, "Authentication failed") << c.user;
    EXPECT_EQ(p.error().detail, c.reason) << c.user;
  }
}

// Timing must not tell "no such user" from "wrong password": every failure path spends one
// scrypt evaluation. The bound is loose (a third of a measured one) so load cannot flake it,
// yet a path that skips the KDF (a few ms) fails it.
TEST_F(PasswordAuthTest, EveryFailurePathSpendsAPasswordCheck) {
  add_user("alice");
  add_user("bob");
  edit([&](pqxx::dbtransaction& tx) {
    return db::UserStore(tx).set_disabled(tenant_id_, "bob", true);
  });
  edit([&](pqxx::dbtransaction& tx) -> Result<void> {
    tx.exec(
        "INSERT INTO login_failures (user_id, source, failed_count, first_failed_at, "
        "locked_until) SELECT id, 'unknown', 5, now(), '2100-01-01Z' FROM users "
        "WHERE name = 'alice'");
    return {};
  });
  const std::string hash = crypto::hash_password(kPassword).value();
  auto elapsed = [](auto&& fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::steady_clock::now() - start;
  };
  const auto kdf = elapsed([&] { (void)crypto::verify_password(kPassword, hash); });
  for (const std::string name : {"mallory", "bob", "alice", "alice@other.local"}) {
    Result<Principal> p = fail(Errc::kInternal, "not run");
    const auto spent = elapsed([&] { p = login(name, kPassword); });
    ASSERT_FALSE(p) << name;
    EXPECT_EQ(p.error().code, Errc::kAuthFailed) << name << ": " << p.error();
    EXPECT_GT(spent, kdf / 3) << name;
  }
}

TEST_F(PasswordAuthTest, FailureIsLoggedWithItsReasonAndNeverThePassword) {
  add_user("alice");
  ASSERT_FALSE(login("alice", kWrongPassword));
  ASSERT_FALSE(login("nobody", kWrongPassword));
  const std::string text = log_text();
  EXPECT_NE(text.find("event=auth.failed tenant=vsphere.local user=alice method=password "
                      "reason=bad_password source=unknown failures=1 locked=false"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("event=auth.failed tenant=vsphere.local user=nobody method=password "
                      "reason=unknown_user"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(kWrongPassword), std::string::npos) << text;
  EXPECT_EQ(text.find("Tr0ub4dor"), std::string::npos) << text;
}

TEST_F(PasswordAuthTest, OverlongPasswordCountsAsAWrongPassword) {
  add_user("alice");
  const std::string overlong(5000, 'x');
  auto p = login("alice", overlong);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  EXPECT_EQ(p.error().message, "Authentication failed");
  EXPECT_EQ(p.error().detail, "reason=bad_password");
  EXPECT_EQ(failures("alice").failed_count, 1);
  auto unknown = login("mallory", overlong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kAuthFailed);
  EXPECT_EQ(unknown.error().message, "Authentication failed");
}

TEST_F(PasswordAuthTest, UnknownTenantIsNotFoundNotAnAuthFailure) {
  add_user("alice");
  for (const char* tenant : {"nowhere.example", "bad tenant!", ""}) {
    auto p = source().authenticate_password(tenant, "alice", kPassword);
    ASSERT_FALSE(p) << tenant;
    EXPECT_EQ(p.error().code, Errc::kNotFound) << tenant;
  }
}

TEST_F(PasswordAuthTest, UnusableStoredHashFailsAsAnAuthFailureAndLogsAnError) {
  add_user("alice");
  edit([&](pqxx::dbtransaction& tx) {
    return db::UserStore(tx).set_password_hash(tenant_id_, "alice", "$argon2id$garbage", t0());
  });
  auto p = login("alice", kPassword);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  EXPECT_EQ(p.error().message, "Authentication failed");
  EXPECT_NE(log_text().find("level=error event=auth.failed"), std::string::npos) << log_text();
}

}  // namespace
}  // namespace sigil::sts::identity::testing
