#pragma once
// `sigilctl bundle export --out F [--include-secrets] | bundle import F [--trust] [--dry-run] |
// bundle trusted list`: signed configuration bundles (docs/bundles.md), through certmgr's admin
// API (…/bundle/export, …/bundle/import, …/bundle/trusted-signers). certmgr signs with the
// deployment's default server certificate, whose key only it can open (master key).
//
// Thread-safety: runs on main's thread.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kBundleHelp[] =
    "Usage: sigilctl [--tenant T] bundle export --out F [--include-secrets] [--json]\n"
    "       sigilctl [--tenant T] bundle import F [--trust] [--dry-run] [--json]\n"
    "       sigilctl [--tenant T] bundle trusted list [--json]\n"
    "\n"
    "A bundle is one tenant's configuration (token and lockout policy, hostnames, users and\n"
    "solution users, and for reference its public signing and CA certificates) in one JSON\n"
    "file, signed (CMS, SHA-256) with the deployment's default HTTPS server certificate.\n"
    "export: the tenant --tenant, written to --out (mode 0600; it must not exist). Password\n"
    "hashes only with --include-secrets (audited). Any administrator of the tenant.\n"
    "import: verifies the signature (a changed file is refused, --trust or not), shows the\n"
    "signer's subject and SHA-256 fingerprint, and refuses a signer this deployment does not\n"
    "trust unless --trust (which adds it to the trusted list). Then, in ONE transaction:\n"
    "creates the bundle's tenant if missing (with a new signing key) or sets its policy, adds\n"
    "missing hostnames (one owned by another tenant refuses the import), creates or updates\n"
    "users (without a password hash: created disabled, unable to log in) and solution users.\n"
    "Nothing is deleted; signing keys are not imported (use linked peers or signing-cert\n"
    "import). --dry-run shows what would change and changes nothing. Needs an administrator\n"
    "of the system tenant (--tenant: the tenant you authenticate to, default vsphere.local).\n"
    "trusted list: this deployment's own signer and the trusted signers.\n"
    "Through certmgr's admin API (see signing-cert --help for the connection flags).\n";

int run_bundle(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err);

}  // namespace sigil::ctl
