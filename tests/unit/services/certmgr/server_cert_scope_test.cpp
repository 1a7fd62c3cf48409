// Who may manage which server certificate (services/certmgr/admin/server_cert_routes.hpp): the
// pure scope decision for a non-system tenant's administrator, the key types a key+certificate
// import accepts, and certmgr's --system-tenant setting.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include "certmgr/admin/server_cert_routes.hpp"
#include "certmgr/config.hpp"

namespace sigil::certmgr::admin {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ServerCertScope, ATenantsAdministratorManagesItsOwnHostnamesOnly) {
  const std::optional<std::string> a = "a";
  EXPECT_FALSE(tenant_scope_refusal("a", "sts.a.example", a, "vsphere.local"));
  // Tenant names compare case-insensitively (hostnames arrive lower-cased).
  EXPECT_FALSE(tenant_scope_refusal("A", "sts.a.example", a, "vsphere.local"));

  auto other = tenant_scope_refusal("a", "sts.b.example", std::string("b"), "vsphere.local");
  ASSERT_TRUE(other);
  EXPECT_TRUE(contains(*other, "hostname sts.b.example belongs to tenant b;")) << *other;
  EXPECT_TRUE(contains(*other, "administrator of tenant a")) << *other;
  EXPECT_TRUE(contains(*other, "vsphere.local")) << *other;
}

TEST(ServerCertScope, DefaultWildcardAndUnownedHostnamesAreDeploymentWide) {
  auto def = tenant_scope_refusal("a", "", std::nullopt, "sys.example");
  ASSERT_TRUE(def);
  EXPECT_TRUE(contains(*def, "default server certificate is deployment-wide")) << *def;
  EXPECT_TRUE(contains(*def, "system tenant sys.example")) << *def;

  // A wildcard is deployment-wide even if its domain's name is a tenant's hostname.
  auto wild = tenant_scope_refusal("a", "*.a.example", std::string("a"), "vsphere.local");
  ASSERT_TRUE(wild);
  EXPECT_TRUE(contains(*wild, "wildcard hostname *.a.example is deployment-wide")) << *wild;

  auto unowned = tenant_scope_refusal("a", "x.example", std::nullopt, "vsphere.local");
  ASSERT_TRUE(unowned);
  EXPECT_TRUE(contains(*unowned, "hostname x.example belongs to no tenant")) << *unowned;
}

crypto::EvpPkeyPtr key_of(const char* type, const char* curve_or_null, std::size_t bits) {
  EVP_PKEY* k = curve_or_null != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve_or_null)
                : bits != 0              ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, bits)
                                         : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  return crypto::EvpPkeyPtr(k);
}

TEST(ServerCertScope, ImportedKeysMustBeRsa2048OrP256OrP384) {
  for (auto [type, curve, bits] : {std::tuple{"RSA", (const char*)nullptr, std::size_t{2048}},
                                   std::tuple{"EC", "P-256", std::size_t{0}},
                                   std::tuple{"EC", "P-384", std::size_t{0}}}) {
    auto key = key_of(type, curve, bits);
    ASSERT_TRUE(key);
    auto ok = check_server_key_type(crypto::describe(key.get()));
    EXPECT_TRUE(ok) << crypto::describe(key.get()).description << ": " << ok.error().message;
  }
  for (auto [type, curve, bits] : {std::tuple{"RSA", (const char*)nullptr, std::size_t{1024}},
                                   std::tuple{"EC", "P-521", std::size_t{0}},
                                   std::tuple{"ED25519", (const char*)nullptr, std::size_t{0}}}) {
    auto key = key_of(type, curve, bits);
    ASSERT_TRUE(key) << type;
    auto refused = check_server_key_type(crypto::describe(key.get()));
    ASSERT_FALSE(refused) << crypto::describe(key.get()).description;
    EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
    EXPECT_TRUE(contains(refused.error().message, "RSA of at least 2048 bits"))
        << refused.error().message;
  }
}

TEST(ServerCertScope, WildcardsCoverExactlyOneLabel) {
  EXPECT_TRUE(dns_name_covers("sts.a.example", "STS.A.example"));
  EXPECT_TRUE(dns_name_covers("*.a.example", "x.a.example"));
  EXPECT_FALSE(dns_name_covers("*.a.example", "y.x.a.example"));
  EXPECT_FALSE(dns_name_covers("*.a.example", "a.example"));
  EXPECT_FALSE(dns_name_covers("sts.a.example", "sts.b.example"));
}

TEST(CertmgrSystemTenant, DefaultFlagAndEnvironment) {
  CertmgrConfig cfg;
  EXPECT_EQ(cfg.system_tenant, "vsphere.local");
  config::OptionSet options;
  bind_options(options, &cfg);
  std::vector<std::string> none;
  ASSERT_TRUE(options.load(none, {{"SIGIL_CERTMGR_SYSTEM_TENANT", "ops.example"}}));
  EXPECT_EQ(cfg.system_tenant, "ops.example");
  CertmgrConfig by_flag;
  config::OptionSet flag_options;
  bind_options(flag_options, &by_flag);
  std::vector<std::string> flag{"--system-tenant", "root"};
  ASSERT_TRUE(flag_options.load(flag, {}));
  EXPECT_EQ(by_flag.system_tenant, "root");
  EXPECT_TRUE(validate(cfg));
  cfg.system_tenant = "";
  EXPECT_FALSE(validate(cfg));
  cfg.system_tenant = "bad name!";
  EXPECT_FALSE(validate(cfg));
}

}  // namespace
}  // namespace sigil::certmgr::admin
