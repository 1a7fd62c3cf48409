#pragma once
// `sigilctl signing-cert list | show [KEY_ID] | add | activate KEY_ID | refresh | import` and
// `sigilctl rotate --dry-run`: the tenant's signing key set, through certmgr's admin API
// (admin_client.hpp). certmgr makes every change one db::KeySetStore transaction: audited with
// the admin's identity, and picked up by every sts replica (keyset generation bump and NOTIFY).
//
// Thread-safety: runs on main's thread.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kSigningCertHelp[] =
    "Usage: sigilctl [--tenant T] signing-cert list | show [KEY_ID]        [--json]\n"
    "       sigilctl [--tenant T] signing-cert add [--key-type rsa-2048|rsa-3072|ecdsa-p256]\n"
    "                                              [--validity-days N]\n"
    "       sigilctl [--tenant T] signing-cert activate KEY_ID\n"
    "       sigilctl [--tenant T] signing-cert refresh [--key-type T] [--validity-days N]\n"
    "       sigilctl [--tenant T] signing-cert import --cert F --key F [--chain F]\n"
    "                                              [--dry-run] [--force] [--activate]\n"
    "       sigilctl [--tenant T] signing-cert export-key [KEY_ID] --out F.p12\n"
    "                                              --passphrase-stdin\n"
    "\n"
    "The tenant's token-signing key set. States: pending -> active -> verify-only -> retired.\n"
    "list: every key with state, source and dates. show: one key (default: the active one):\n"
    "subject, issuer, serial, validity, SHA-256 fingerprint, state, source, verify_until.\n"
    "add: a new pending key with a certificate from the deployment's built-in CA; prints its\n"
    "key id. Key type and validity default to certmgr's --signing-key-type and\n"
    "--signing-validity-days.\n"
    "activate: makes a pending key active; the active key becomes verify-only until every\n"
    "token it signed has expired (max token lifetime incl. renewals + clock tolerance).\n"
    "refresh: add + activate in one transaction (replaces a third-party key, too).\n"
    "import: a third-party key + certificate (+ chain). Every check is printed; a failed\n"
    "check rejects the import and changes nothing; a warning needs --force. --dry-run only\n"
    "checks. Imported keys are pending unless --activate.\n"
    "export-key: disaster recovery. The key (default: the active one), its certificate and\n"
    "chain as a PKCS#12 file encrypted with the passphrase read from standard input (at\n"
    "least 8 characters; AES-256, PBKDF2); --out must not exist. Audit-logged.\n"
    "Keys that are due (verify_until passed) are retired by every change.\n"
    "Through certmgr's admin API: --server URL (default https://127.0.0.1:8444), --ca-file\n"
    "(default HOME/tls/server.crt), and --client-cert F --client-key F (an admin client\n"
    "certificate, see admin-cert create) or --token-file F (a token of an administrator).\n";

inline constexpr char kRotateHelp[] =
    "Usage: sigilctl [--tenant T] rotate --dry-run [--json]\n"
    "\n"
    "Shows what a rotation would do now (which key becomes verify-only, until when; which keys\n"
    "are due to retire), and for every key that still verifies: which live tokens would stop\n"
    "verifying if it were removed now, by the retention rule and by the issue log\n"
    "(issued_tokens). Keys retire only after verify_until, so rotation strands no token by\n"
    "construction. Changes nothing; rotate with `signing-cert refresh`.\n"
    "Through certmgr's admin API (see signing-cert --help for the connection flags).\n";

int run_signing_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                     std::FILE* err);
int run_rotate(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err);

// signing_cert_import.cpp
int run_signing_cert_import(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err);
int run_signing_cert_export(const SigilctlConfig& cfg, const std::string& key_id, std::FILE* out,
                            std::FILE* err);

}  // namespace sigil::ctl
