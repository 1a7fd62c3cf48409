#pragma once
// `sigilctl peer add URL --ca FILE | list | remove URL | identity --out FILE`: linked peer
// deployments (docs/peers.md), through certmgr's admin API (.../peers). Deployment-wide: the
// credential must be an Administrator of the system tenant.
//
// Thread-safety: runs on main's thread.

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kPeerHelp[] =
    "Usage: sigilctl peer identity --out FILE\n"
    "       sigilctl peer add URL --ca FILE\n"
    "       sigilctl peer list                 [--json]\n"
    "       sigilctl peer remove URL\n"
    "\n"
    "Links this deployment with another one (its own PostgreSQL, certmgr and sts): every\n"
    "change of a tenant's signing key set here (rotation, refresh, add, activate, import,\n"
    "retirement) is pushed by certmgr to every peer over mutually authenticated HTTPS as a\n"
    "signed change record, applied there in one transaction, and picked up by its sts\n"
    "replicas; offline peers are caught up in order. Link both ways (A adds B, B adds A).\n"
    "The tenants must exist on both sides before linking.\n"
    "identity: writes this deployment's peer trust bundle (its deployment CA certificate and\n"
    "the certificate of certmgr's admin listener) to --out (must not exist). Give it to the\n"
    "other deployment's `peer add --ca`.\n"
    "add: URL is the peer certmgr's admin API base URL (https://HOST:PORT); --ca FILE is the\n"
    "peer's trust bundle (`sigilctl peer identity` there). It verifies the peer's listener\n"
    "and the client certificate the peer's certmgr presents. The peer then receives every\n"
    "tenant's whole key set once, and every change from now on. Audit-logged.\n"
    "list: every peer with the last change it acknowledged, its lag (changes not yet\n"
    "acknowledged), the last contact and the last error.\n"
    "remove: unlinks the peer (nothing more is sent to it or accepted from it). Audit-logged.\n"
    "Conflicting changes made on both sides while unlinked resolve deterministically: the\n"
    "key activated last stays active; the other becomes verify-only (docs/peers.md).\n"
    "Through certmgr's admin API (see signing-cert --help for the connection flags).\n";

int run_peer(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
             std::FILE* err);

}  // namespace sigil::ctl
