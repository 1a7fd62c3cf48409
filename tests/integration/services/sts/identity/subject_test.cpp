// IdentitySource: solution users by certificate, subject lookups for renew/exchange, and the
// tenant policy.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "identity_test_util.hpp"

namespace sigil::sts::identity::testing {
namespace {

class SubjectTest : public IdentityTest {};

TEST_F(SubjectTest, SolutionUserIsFoundByItsExactCertificate) {
  const TestCert cert = make_cert("vpxd-extension");
  add_solution_user("vpxd-extension", cert);
  auto p = source().authenticate_certificate(kTenant, cert.cert.get());
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->name, "vpxd-extension");
  EXPECT_EQ(p->upn, "vpxd-extension@VSPHERE.LOCAL");
  EXPECT_TRUE(p->is_solution_user);
  EXPECT_EQ(p->certificate_sha256, cert.sha256_hex);
  EXPECT_EQ(p->groups,
            (std::vector<std::string>{"vsphere.local\\SolutionUsers", "vsphere.local\\Everyone"}));
}

TEST_F(SubjectTest, AnotherCertificateWithTheSameSubjectIsRefused) {
  add_solution_user("vpxd-extension", make_cert("vpxd-extension"));
  const TestCert impostor = make_cert("vpxd-extension");
  auto p = source().authenticate_certificate(kTenant, impostor.cert.get());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  EXPECT_EQ(p.error().message, "Authentication failed");
  EXPECT_EQ(p.error().detail, "reason=unknown_certificate");
}

TEST_F(SubjectTest, DisabledSolutionUserIsRefused) {
  const TestCert cert = make_cert("svc");
  add_solution_user("svc", cert);
  edit([&](pqxx::dbtransaction& tx) {
    return db::SolutionUserStore(tx).set_disabled(tenant_id_, "svc", true);
  });
  auto p = source().authenticate_certificate(kTenant, cert.cert.get());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  EXPECT_EQ(p.error().detail, "reason=disabled");
}

TEST_F(SubjectTest, ExpiredOrNotYetValidCertificateIsRefused) {
  const TestCert cert = make_cert("svc", t0() - 48h, t0() + 1h);
  add_solution_user("svc", cert);
  ASSERT_TRUE(source().authenticate_certificate(kTenant, cert.cert.get()));
  clock_.set(t0() + 1h + 1s);
  auto expired = source().authenticate_certificate(kTenant, cert.cert.get());
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().detail, "reason=certificate_expired");
  clock_.set(t0() - 48h - 601s);  // beyond the 600 s clock tolerance
  auto early = source().authenticate_certificate(kTenant, cert.cert.get());
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().detail, "reason=certificate_not_yet_valid");
}

TEST_F(SubjectTest, CertificateOfAnotherTenantIsUnknownHere) {
  const TestCert cert = make_cert("svc");
  add_solution_user("svc", cert);
  edit([&](pqxx::dbtransaction& tx) { return db::TenantStore(tx).create("other.local"); });
  auto p = source().authenticate_certificate("other.local", cert.cert.get());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::kAuthFailed);
  auto none = source().authenticate_certificate(kTenant, nullptr);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kAuthFailed);
}

TEST_F(SubjectTest, LookupSubjectRereadsTheCurrentGroups) {
  add_user("Administrator", {"Users"});
  edit([&](pqxx::dbtransaction& tx) {
    return db::UserStore(tx).set_groups(tenant_id_, "administrator", {"Administrators"});
  });
  auto p = source().lookup_subject(kTenant, "Administrator@VSPHERE.LOCAL");
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->upn, "Administrator@VSPHERE.LOCAL");
  EXPECT_EQ(p->groups,
            (std::vector<std::string>{"vsphere.local\\Administrators", "vsphere.local\\Everyone"}));
}

TEST_F(SubjectTest, LookupSubjectRefusesRemovedDisabledAndForeignSubjects) {
  add_user("gone");
  add_user("off");
  edit([&](pqxx::dbtransaction& tx) -> Result<void> {
    db::UserStore users(tx);
    SIGIL_TRY_VOID(users.remove(tenant_id_, "gone"));
    return users.set_disabled(tenant_id_, "off", true);
  });
  for (const char* upn : {"gone@VSPHERE.LOCAL", "off@VSPHERE.LOCAL", "nobody@VSPHERE.LOCAL"}) {
    auto p = source().lookup_subject(kTenant, upn);
    ASSERT_FALSE(p) << upn;
    EXPECT_EQ(p.error().code, Errc::kAuthFailed) << upn;
    EXPECT_EQ(p.error().message, "Authentication failed");
  }
  add_user("alice");
  auto foreign = source().lookup_subject(kTenant, "alice@OTHER.LOCAL");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().detail, "reason=wrong_domain");
}

TEST_F(SubjectTest, LookupSubjectFindsSolutionUsersAndHonoursTheKind) {
  add_solution_user("svc", make_cert("svc"));
  auto any = source().lookup_subject(kTenant, "svc@VSPHERE.LOCAL");
  ASSERT_TRUE(any) << any.error();
  EXPECT_TRUE(any->is_solution_user);
  auto as_user = source().lookup_subject(kTenant, "svc@VSPHERE.LOCAL", SubjectKind::kUser);
  ASSERT_FALSE(as_user);
  EXPECT_EQ(as_user.error().code, Errc::kAuthFailed);
  add_user("svc");
  auto both = source().lookup_subject(kTenant, "svc@VSPHERE.LOCAL");
  ASSERT_TRUE(both);
  EXPECT_FALSE(both->is_solution_user) << "a user wins over a solution user of the same name";
  auto solution = source().lookup_subject(kTenant, "svc@VSPHERE.LOCAL", SubjectKind::kSolutionUser);
  ASSERT_TRUE(solution);
  EXPECT_TRUE(solution->is_solution_user);
}

TEST_F(SubjectTest, LockedUserIsStillFoundForRenewal) {
  add_user("alice");
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(login("alice", kWrongPassword));
  ASSERT_TRUE(failures("alice").locked_until.has_value());
  EXPECT_TRUE(source().lookup_subject(kTenant, "alice@VSPHERE.LOCAL"));
}

TEST_F(SubjectTest, LoadTenantHasVcenterDefaults) {
  auto t = source().load_tenant("VSPHERE.LOCAL");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->id, tenant_id_);
  EXPECT_EQ(t->name, "vsphere.local");
  EXPECT_EQ(t->clock_tolerance, 600s);
  EXPECT_EQ(t->max_bearer_lifetime, 300s);
  EXPECT_EQ(t->max_hok_lifetime, std::chrono::hours(24 * 30));
  EXPECT_EQ(t->max_renew_count, 10);
  EXPECT_EQ(t->max_delegation_count, 10);
  EXPECT_EQ(t->lockout.max_failures, 5);
  EXPECT_EQ(t->lockout.window, 180s);
  EXPECT_EQ(t->lockout.lock_duration, 900s);
  EXPECT_EQ(t->keyset_generation, 0);
}

TEST_F(SubjectTest, LoadTenantOfAnUnknownTenantIsNotFound) {
  for (const char* name : {"nowhere.example", "", "semi;colon"}) {
    auto t = source().load_tenant(name);
    ASSERT_FALSE(t) << name;
    EXPECT_EQ(t.error().code, Errc::kNotFound) << name;
  }
}

}  // namespace
}  // namespace sigil::sts::identity::testing
