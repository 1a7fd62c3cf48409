#pragma once
// `sigilctl tenant create NAME | tenant list` (PostgreSQL directly for now; see local_db.hpp).
// create also gives the tenant its first signing key: RSA-2048 with a self-signed certificate
// valid for 10 years, sealed under the master key, active at once.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kTenantHelp[] =
    "Usage: sigilctl tenant create NAME | tenant list   [--db CONNINFO] [--json]\n"
    "create: a tenant with a signing key (RSA-2048, self-signed, 10 years) sealed under the\n"
    "master key (--master-key-file, default HOME/master.key). Talks to PostgreSQL directly\n"
    "until certmgr's admin API exists.\n";

int run_tenant(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err);

}  // namespace sigil::ctl
