#pragma once
// `sigilctl server-cert self-signed | csr | import | show | export`: the deployment's default
// HTTPS server certificate (the one sigil-sts serves), through certmgr's admin API
// (.../server-cert...). certmgr stores it in PostgreSQL (key sealed with the master key); every
// sts replica switches to a new active certificate without a restart.
//
// Thread-safety: runs on main's thread.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kServerCertHelp[] =
    "Usage: sigilctl server-cert show                   [--hostname H] [--json]\n"
    "       sigilctl server-cert self-signed [--hostname H] [--cn FQDN] [--country CC]\n"
    "       sigilctl server-cert csr --out F.csr [--hostname H] [--cn FQDN] [--country CC]\n"
    "       sigilctl server-cert import --cert F [--key F] [--chain F] [--hostname H]\n"
    "       sigilctl server-cert export --out F.p12 --passphrase-stdin [--hostname H]\n"
    "\n"
    "--hostname H manages the certificate sts serves to clients whose TLS SNI name is H (a\n"
    "tenant's hostname), or, for H = *.domain, every name one label under domain that has no\n"
    "certificate of its own; without it, the default certificate. A hostname's certificate\n"
    "always lists H among its DNS names (default --cn: H).\n"
    "The HTTPS server certificate sigil-sts serves by default (for every SNI name without a\n"
    "certificate of its own), kept in PostgreSQL with its key encrypted by the master key.\n"
    "Every sts replica switches to a new active certificate at once, without a restart: new\n"
    "connections get it, open ones finish with the old one. Without one in the database,\n"
    "sts serves HOME/tls/server.crt (self-signed at first start).\n"
    "show: the active certificate (subject, issuer, DNS names, validity, SHA-256) and the\n"
    "pending CSR, if any.\n"
    "self-signed: a new ECDSA P-256 key and self-signed certificate (CN and DNS name --cn,\n"
    "default certmgr's --sts-hostname, plus localhost; one year), active at once.\n"
    "csr: a new ECDSA P-256 key (kept by certmgr) and a PKCS#10 request (subject CN=--cn,\n"
    "C=--country; subjectAltName DNS:--cn) written to --out (must not exist). Send it to your\n"
    "CA. A new csr replaces an unanswered one.\n"
    "import: the CA's certificate for the pending CSR (+ --chain: intermediates and the root).\n"
    "It must certify the CSR's key, cover the CSR's DNS names, be valid now and, with a chain,\n"
    "verify up to the root in it. Otherwise the error names the failed check and nothing\n"
    "changes. On success it is active and the old one is kept as previous.\n"
    "import --key F: a certificate with its own private key (unencrypted PEM; RSA >= 2048,\n"
    "ECDSA P-256 or P-384), no CSR needed: the key must match the certificate, which must\n"
    "cover H (default certificate: certmgr's --sts-hostname) and pass the same checks. The key\n"
    "is stored encrypted with the master key; a pending CSR of H is left alone.\n"
    "Who may: an administrator of the system tenant (certmgr's --system-tenant, default\n"
    "vsphere.local), every hostname; an administrator of another tenant (--tenant), only that\n"
    "tenant's own hostnames - not the default certificate, wildcards or hostnames no tenant\n"
    "has (403, nothing changes).\n"
    "export: disaster recovery: the active certificate, chain and key as PKCS#12 encrypted\n"
    "with the passphrase read from standard input (at least 8 characters); --out must not\n"
    "exist. Audit-logged.\n"
    "Through certmgr's admin API (see signing-cert --help for the connection flags).\n";

int run_server_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                    std::FILE* err);

}  // namespace sigil::ctl
