#pragma once
// `sigilctl alarms list`, `sigilctl certmgr run-once`, `sigilctl audit list` (certmgr's admin
// API) and `sigilctl admin-cert create` (PostgreSQL directly: the bootstrap of the first admin
// credential, before the API can be used).
//
// Thread-safety: runs on main's thread.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kAlarmsHelp[] =
    "Usage: sigilctl [--tenant T] alarms list [--at RFC3339] [--all] [--json]\n"
    "\n"
    "Certificate expiry alarms of the tenant, of the built-in CA and of the server\n"
    "certificates of the tenant's hostnames (an administrator of the system tenant sees\n"
    "every server certificate's), as certmgr's scheduler raised them: kind, subject,\n"
    "severity, first raised, last notified.\n"
    "Without --at: the open alarms (with --all: cleared ones too). With --at: the alarms\n"
    "that were open at that time (raised at or before it and not cleared by then).\n"
    "Through certmgr's admin API (--server, --ca-file, --client-cert/--client-key or\n"
    "--token-file).\n";

inline constexpr char kCertmgrHelp[] =
    "Usage: sigilctl [--tenant T] certmgr run-once [--at RFC3339] [--dry-run] [--json]\n"
    "\n"
    "Runs one scheduler pass of sigil-certmgr (renewals, retirements, expiry alarms) for the\n"
    "whole deployment, as if the clock said --at (default: now). --dry-run changes nothing\n"
    "and reports what the pass would do: use it to preview any date.\n"
    "\n"
    "Deployment-wide: only an administrator of the system tenant may run it (a dry run\n"
    "too, since it reports every tenant); with the default --tenant vsphere.local.\n"
    "A real pass more than 5 minutes from now is a testing tool: certmgr refuses it\n"
    "unless it was started with --allow-time-travel.\n"
    "The changes are audit-logged with your admin identity.\n"
    "Through certmgr's admin API.\n";

inline constexpr char kAuditHelp[] =
    "Usage: sigilctl [--tenant T] audit list [--limit N] [--json]\n"
    "\n"
    "The tenant's newest audit-log entries (default 50): time, actor, action, target.\n"
    "Through certmgr's admin API.\n";

inline constexpr char kAdminCertHelp[] =
    "Usage: sigilctl [--tenant T] admin-cert create --out-cert F --out-key F [--name N]\n"
    "                [--validity-days N] [--db CONNINFO]\n"
    "\n"
    "Bootstrap: creates an admin client certificate for certmgr's admin API. Generates an\n"
    "ECDSA P-256 key and a self-signed certificate (CN = NAME, clientAuth, default 730\n"
    "days), writes them (the key with mode 0600; neither file may exist), and registers the\n"
    "certificate as solution user NAME (default sigilctl-admin) in group Administrators of\n"
    "the tenant. Then: sigilctl --client-cert F --client-key F signing-cert list.\n"
    "Talks to PostgreSQL directly (--db), like tenant, user and solution-user: the first\n"
    "administrator must exist before the admin API can be used.\n";

int run_alarms(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err);
int run_certmgr(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                std::FILE* err);
int run_audit(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
              std::FILE* err);
int run_admin_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                   std::FILE* err);

}  // namespace sigil::ctl
