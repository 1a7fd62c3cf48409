// `sigilctl tenant hostname add|remove FQDN [--tenant T]` and the hostnames in `tenant show` /
// `tenant list` (text and --json): normalised, refused when another tenant has the name (owner
// named), idempotent for the same tenant, no wildcards, audit-logged.

#include <gtest/gtest.h>

#include "admin_env.hpp"

namespace sigil::testing {
namespace {

using TenantHostnameVerbs = AdminApiFixture;

std::vector<std::string> hostnames_of(const boost::json::value& v) {
  std::vector<std::string> out;
  if (!v.is_object() || !v.as_object().contains("hostnames")) return out;
  for (const auto& h : v.at("hostnames").as_array()) out.emplace_back(h.as_string());
  return out;
}

TEST_F(TenantHostnameVerbs, AddShowListRemove) {
  ASSERT_EQ(ctl({"tenant", "create", "acme", "--hostname", "sts.acme.example"}).exit_code, 0);

  auto added = ctl({"tenant", "hostname", "add", "Login.Example.COM."});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(added.out, "added hostname login.example.com to tenant vsphere.local\n");
  auto again = ctl({"tenant", "hostname", "add", "login.example.com", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto again_json = boost::json::parse(again.out);
  EXPECT_EQ(again_json.at("changed").as_bool(), false) << again.out;
  EXPECT_EQ(again_json.at("hostname").as_string(), "login.example.com");
  ASSERT_EQ(ctl({"tenant", "hostname", "add", "sts.example.com"}).exit_code, 0);

  auto shown = ctl_json({"tenant", "show", "vsphere.local"});
  EXPECT_EQ(hostnames_of(shown),
            (std::vector<std::string>{"login.example.com", "sts.example.com"}));
  auto text = ctl({"tenant", "show", "vsphere.local"});
  EXPECT_NE(text.out.find("login.example.com,sts.example.com"), std::string::npos) << text.out;

  auto listed = ctl_json({"tenant", "list"});
  ASSERT_TRUE(listed.is_array());
  std::map<std::string, std::vector<std::string>> by_tenant;
  for (const auto& t : listed.as_array()) {
    by_tenant[std::string(t.at("name").as_string())] = hostnames_of(t);
  }
  EXPECT_EQ(by_tenant["acme"], std::vector<std::string>{"sts.acme.example"});
  EXPECT_EQ(by_tenant["vsphere.local"].size(), 2u);
  auto list_text = ctl({"tenant", "list"});
  EXPECT_NE(list_text.out.find("HOSTNAMES"), std::string::npos) << list_text.out;
  EXPECT_NE(list_text.out.find("sts.acme.example"), std::string::npos) << list_text.out;

  auto removed = ctl({"tenant", "hostname", "remove", "STS.example.com", "--json"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(boost::json::parse(removed.out).at("action").as_string(), "removed");
  EXPECT_EQ(hostnames_of(ctl_json({"tenant", "show", "vsphere.local"})),
            std::vector<std::string>{"login.example.com"});

  auto audit = ctl({"audit", "list"});
  EXPECT_NE(audit.out.find("tenant.hostname.add"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("tenant.hostname.remove"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("hostname:sts.example.com"), std::string::npos) << audit.out;
}

TEST_F(TenantHostnameVerbs, RefusalsNameTheCauseAndChangeNothing) {
  ASSERT_EQ(ctl({"tenant", "create", "acme", "--hostname", "sts.acme.example"}).exit_code, 0);

  // Another tenant's hostname: refused, the owner named.
  auto taken = ctl({"tenant", "hostname", "add", "STS.acme.example"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_NE(taken.err.find("the hostname sts.acme.example belongs to tenant acme"),
            std::string::npos)
      << taken.err;
  auto dup = ctl({"tenant", "create", "beta", "--hostname", "sts.acme.example"});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.err.find("belongs to tenant acme; nothing created"), std::string::npos) << dup.err;

  // Removing another tenant's hostname: not found here, and it stays.
  auto not_ours = ctl({"tenant", "hostname", "remove", "sts.acme.example"});
  EXPECT_EQ(not_ours.exit_code, 1);
  EXPECT_NE(not_ours.err.find("tenant vsphere.local has no hostname sts.acme.example (it belongs "
                              "to tenant acme)"),
            std::string::npos)
      << not_ours.err;
  EXPECT_EQ(hostnames_of(ctl_json({"tenant", "show", "acme"})),
            std::vector<std::string>{"sts.acme.example"});

  for (const char* bad : {"*.example.com", "bad_name!", "a..b", "x-.example"}) {
    auto r = ctl({"tenant", "hostname", "add", bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_NE(r.err.find("the hostname '"), std::string::npos) << r.err;
  }
  auto unknown = ctl({"tenant", "hostname", "add", "x.example", "--tenant", "nobody"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no such tenant"), std::string::npos) << unknown.err;
  EXPECT_TRUE(hostnames_of(ctl_json({"tenant", "show", "vsphere.local"})).empty());
  EXPECT_EQ(ctl({"tenant", "hostname", "frobnicate", "x.example"}).exit_code, 2);

  auto help = ctl({"tenant", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("sigilctl tenant hostname add FQDN"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace sigil::testing
