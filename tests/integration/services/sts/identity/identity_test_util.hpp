#pragma once
// The fixture of the IdentitySource integration tests: a fresh database with tenant
// "vsphere.local", a pool, a ManualClock, a Logger whose lines the test can read, and helpers
// to create users and solution users.
//
// Thread-safety: the fixture is set up on the test thread; source() may be used from several.

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/password.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/db/user_store.hpp"
#include "sigil/testing/captured_log.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sts/identity/identity_source.hpp"

namespace sigil::sts::identity::testing {

using namespace std::chrono_literals;

inline constexpr const char* kTenant = "vsphere.local";
inline constexpr const char* kPassword = "correct horse battery staple";
inline constexpr const char* kWrongPassword = "Tr0ub4dor&3";

/// 2027-01-15T08:00:00Z, a whole second, so times round-trip through timestamptz exactly.
inline TimePoint t0() { return TimePoint(std::chrono::seconds(1'800'000'000)); }

/// A key pair and a self-signed certificate for it, valid around t0().
struct TestCert {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string pem;
  std::string sha256_hex;
};

inline TestCert make_cert(const std::string& cn, TimePoint not_before = t0() - 24h,
                          TimePoint not_after = t0() + 24h * 365) {
  TestCert out;
  out.key = std::move(crypto::generate_key(crypto::KeyType::kEcdsaP256)).value();
  crypto::CertRequest req;
  req.subject.common_name = cn;
  req.subject_key = out.key.get();
  req.issuer_key = out.key.get();
  req.not_before = not_before;
  req.not_after = not_after;
  req.key_usage.digital_signature = true;
  req.extended_key_usage = crypto::ExtendedKeyUsage{false, true};
  out.cert = std::move(crypto::issue_certificate(req)).value();
  out.pem = crypto::write_certificate_pem(out.cert.get()).value();
  const auto der = crypto::write_certificate_der(out.cert.get()).value();
  out.sha256_hex = crypto::hex_encode(crypto::sha256(der));
  return out;
}

class IdentityTest : public sigil::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_unique<db::ConnectionPool>(conninfo(), db::PoolOptions{});
    log_ = std::make_unique<sigil::testing::CapturedLog>(&clock_);
    source_ = std::make_unique<IdentitySource>(*pool_, clock_, log_->logger());
    auto t = db::transact(*pool_, "tenant", [](pqxx::dbtransaction& tx) {
      return db::TenantStore(tx).create(kTenant);
    });
    ASSERT_TRUE(t) << t.error();
    tenant_id_ = t->id;
  }

  IdentitySource& source() { return *source_; }

  db::UserRow add_user(const std::string& name, std::vector<std::string> groups = {"Users"},
                       std::optional<std::string> first = std::nullopt,
                       std::optional<std::string> last = std::nullopt) {
    db::NewUser u;
    u.name = name;
    u.password_hash = crypto::hash_password(kPassword).value();
    u.groups = std::move(groups);
    u.first_name = std::move(first);
    u.last_name = std::move(last);
    auto row = db::transact(*pool_, "add user", [&](pqxx::dbtransaction& tx) {
      return db::UserStore(tx).create(tenant_id_, u);
    });
    EXPECT_TRUE(row) << row.error();
    return std::move(row).value();
  }

  db::SolutionUserRow add_solution_user(const std::string& name, const TestCert& cert) {
    auto row = db::transact(*pool_, "add solution user", [&](pqxx::dbtransaction& tx) {
      return db::SolutionUserStore(tx).create(tenant_id_, name, cert.pem, cert.sha256_hex,
                                              {"SolutionUsers"});
    });
    EXPECT_TRUE(row) << row.error();
    return std::move(row).value();
  }

  /// The user as stored now.
  db::UserRow user(const std::string& name) {
    auto row = db::transact(*pool_, "find user", [&](pqxx::dbtransaction& tx) {
      return db::UserStore(tx).find(tenant_id_, name);
    });
    EXPECT_TRUE(row && row->has_value());
    return std::move(**row);
  }

  /// The user's failures from `source` as stored now (failed_count 0 when there is no row).
  db::SourceFailures failures(const std::string& name,
                              std::string_view source = kUnknownSource) {
    const std::int64_t id = user(name).id;
    auto row = db::transact(*pool_, "find failures", [&](pqxx::dbtransaction& tx) {
      return db::LoginFailureStore(tx).find(id, source);
    });
    EXPECT_TRUE(row) << row.error();
    return row && *row ? **row : db::SourceFailures{};
  }

  template <class F>
  void edit(F&& fn) {
    auto r = db::transact(*pool_, "edit", std::forward<F>(fn));
    ASSERT_TRUE(r) << r.error();
  }

  Result<Principal> login(const std::string& username, const std::string& password,
                          std::string_view from = {}) {
    return source_->authenticate_password(kTenant, username, password, from);
  }

  std::string log_text() { return log_->text(); }

  ManualClock clock_{t0()};
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<sigil::testing::CapturedLog> log_;
  std::unique_ptr<IdentitySource> source_;
  std::int64_t tenant_id_ = 0;
};

}  // namespace sigil::sts::identity::testing
