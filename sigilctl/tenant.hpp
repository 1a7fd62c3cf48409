#pragma once
// `sigilctl tenant create NAME | list | show NAME | set-policy NAME [--<field> N]...
//  | hostname add|remove FQDN [--tenant NAME]`
// (PostgreSQL directly: the bootstrap; see local_db.hpp).
// create also gives the tenant its first signing key: RSA-2048 with a certificate from the
// deployment's built-in CA (created at first use), valid for 10 years, sealed under the
// master key, active at once.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kTenantHelp[] =
    "Usage: sigilctl tenant create NAME [--hostname FQDN] | list | show NAME\n"
    "            [--db CONNINFO] [--json]\n"
    "       sigilctl tenant set-policy NAME [--clock-tolerance-s N] [--max-bearer-lifetime-s N]\n"
    "            [--max-hok-lifetime-s N] [--max-renew-count N] [--max-delegation-count N]\n"
    "            [--lockout-max-failures N] [--lockout-window-s N] [--lockout-duration-s N]\n"
    "       sigilctl tenant hostname add FQDN | hostname remove FQDN [--tenant NAME] [--json]\n"
    "create: a tenant with a signing key (RSA-2048, 10 years, issued by the deployment's\n"
    "built-in CA, which is created at first use) sealed under the master key\n"
    "(--master-key-file, default HOME/master.key). --hostname: the tenant's hostname (lower-\n"
    "cased), the TLS SNI name sts picks its certificate by (sigilctl server-cert --hostname);\n"
    "refused when another tenant has it.\n"
    "list, show: also the tenant's hostnames.\n"
    "hostname add: gives --tenant (default vsphere.local) the hostname FQDN: lower-cased, a\n"
    "trailing dot dropped, a DNS name (no wildcard). sts routes requests whose TLS SNI name or\n"
    "Host header is FQDN to this tenant, without a restart. Refused when another tenant has it;\n"
    "adding one the tenant has changes nothing. hostname remove: takes it away. Both are\n"
    "audit-logged (tenant.hostname.add / tenant.hostname.remove).\n"
    "show: the token and lockout policy, keyset generation, active key and key retention\n"
    "(how long a key verifies after it stops signing: max(bearer, HoK * (renewals + 1)) +\n"
    "clock tolerance).\n"
    "set-policy: changes the given fields only (ranges: clock tolerance 0..3600 s, lifetimes\n"
    "1 s..365 days, renewals 0..1000, delegations 0..100, lockout failures 1..1000, window\n"
    "1..86400 s, duration 0 s..365 days); audit-logged. Shorter lifetimes never strand a\n"
    "token the active key already signed.\n"
    "Talks to PostgreSQL directly (--db), not to certmgr's admin API: tenants and their\n"
    "administrators must exist before the API can be used.\n";

int run_tenant(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err);

}  // namespace sigil::ctl
