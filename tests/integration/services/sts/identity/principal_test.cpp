// Principal helpers: login-name forms, UPN and group spelling, and the token's attributes in
// vCenter's order (docs/reference/wstrust.md §3.3). Pure functions; no database.

#include "sts/identity/principal.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sigil/saml/names.hpp"

namespace sigil::sts::identity {
namespace {

Principal administrator() {
  Principal p;
  p.name = "Administrator";
  p.upn = "Administrator@VSPHERE.LOCAL";
  p.tenant = "vsphere.local";
  p.groups = {"vsphere.local\\Users", "vsphere.local\\Administrators", "vsphere.local\\Everyone"};
  p.first_name = "Administrator";
  p.last_name = "vsphere.local";
  return p;
}

TEST(TokenAttributes, AreGroupsGivenNameSurnameAndSubjectTypeInThatOrder) {
  const auto attrs = token_attributes(administrator());
  ASSERT_EQ(attrs.size(), 4u);
  EXPECT_EQ(attrs[0].friendly_name, "Groups");
  EXPECT_EQ(attrs[0].name, saml::uri::kAttrGroups);
  EXPECT_EQ(attrs[0].values, administrator().groups);
  EXPECT_EQ(attrs[1].friendly_name, "givenName");
  EXPECT_EQ(attrs[1].name, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname");
  EXPECT_EQ(attrs[1].values, std::vector<std::string>{"Administrator"});
  EXPECT_EQ(attrs[2].friendly_name, "surname");
  EXPECT_EQ(attrs[2].name, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname");
  EXPECT_EQ(attrs[2].values, std::vector<std::string>{"vsphere.local"});
  EXPECT_EQ(attrs[3].friendly_name, "Subject Type");
  EXPECT_EQ(attrs[3].name, "http://vmware.com/schemas/attr-names/2011/07/isSolution");
  EXPECT_EQ(attrs[3].values, std::vector<std::string>{"false"});
}

TEST(TokenAttributes, LeaveOutUnknownNamesAndMarkSolutionUsers) {
  Principal p = administrator();
  p.first_name.reset();
  p.last_name.reset();
  p.is_solution_user = true;
  const auto attrs = token_attributes(p);
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].friendly_name, "Groups");
  EXPECT_EQ(attrs[1].friendly_name, "Subject Type");
  EXPECT_EQ(attrs[1].values, std::vector<std::string>{"true"});
}

TEST(PrincipalNames, UpnUpperCasesTheTenantOnly) {
  EXPECT_EQ(make_upn("Administrator", "vsphere.local"), "Administrator@VSPHERE.LOCAL");
  EXPECT_EQ(make_upn("mixed.Case", "Corp-1.example"), "mixed.Case@CORP-1.EXAMPLE");
}

TEST(PrincipalNames, GroupsAreQualifiedWithTheTenantAndEndWithEveryoneOnce) {
  EXPECT_EQ(qualified_groups({"Administrators", "Users"}, "vsphere.local"),
            (std::vector<std::string>{"vsphere.local\\Administrators", "vsphere.local\\Users",
                                      "vsphere.local\\Everyone"}));
  EXPECT_EQ(qualified_groups({"everyone"}, "t"), std::vector<std::string>{"t\\everyone"});
  EXPECT_EQ(qualified_groups({}, "t"), std::vector<std::string>{"t\\Everyone"});
}

TEST(PrincipalNames, LoginNamesSplitAtBackslashOrLastAt) {
  LoginName bare = parse_login_name("alice");
  EXPECT_EQ(bare.name, "alice");
  EXPECT_FALSE(bare.domain.has_value());
  LoginName upn = parse_login_name("alice@corp@vsphere.local");
  EXPECT_EQ(upn.name, "alice@corp");
  EXPECT_EQ(upn.domain, "vsphere.local");
  LoginName down_level = parse_login_name("vsphere.local\\alice@corp");
  EXPECT_EQ(down_level.name, "alice@corp");
  EXPECT_EQ(down_level.domain, "vsphere.local");
  LoginName empty_domain = parse_login_name("alice@");
  EXPECT_EQ(empty_domain.domain, "");
}

}  // namespace
}  // namespace sigil::sts::identity
