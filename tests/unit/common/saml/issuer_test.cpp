#include "sigil/saml/issuer.hpp"

#include <gtest/gtest.h>

namespace sigil::saml {
namespace {

TEST(Issuer, TenantIssuerIsTheVcenterMetadataUrlOfTheStsHostname) {
  EXPECT_EQ(issuer_base("sts.example"), "https://sts.example");
  EXPECT_EQ(tenant_issuer(issuer_base("sts.example"), "vsphere.local"),
            "https://sts.example/websso/SAML2/Metadata/vsphere.local");
  // Host and tenant are taken as given: a port stays, case is kept (the tenant name as stored).
  EXPECT_EQ(tenant_issuer(issuer_base("localhost:8443"), "Tenant-A"),
            "https://localhost:8443/websso/SAML2/Metadata/Tenant-A");
}

}  // namespace
}  // namespace sigil::saml
