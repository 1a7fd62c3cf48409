#pragma once
// Admin API: the deployment's HTTPS server certificates, one lifecycle per hostname, under
// /api/v1/admin/tenants/{tenant}/server-cert (docs/admin-api.md, docs/tls.md). The hostname is
// the JSON field `hostname` of the POSTs (query parameter `hostname` of the GET): a DNS name or
// a wildcard `*.domain`, lower-cased; absent or '' is the default certificate (served for every
// SNI name without a certificate of its own). A hostname's certificate always lists the
// hostname among its DNS names (default CN: the hostname; no `localhost`).
//
//   GET  …/server-cert              the active certificate (and the pending CSR, if any)
//   POST …/server-cert/csr          new key (sealed with the master key) + PKCS#10 CSR, pending
//   POST …/server-cert/import       the CA's certificate (+ chain) for the pending CSR, or a
//                                   certificate with its key (`key_pem`) -> active
//   POST …/server-cert/self-signed  a new self-signed certificate, active at once
//   POST …/server-cert/export       the active certificate + key as PKCS#12 (disaster recovery)
//
// Every change is one db::ServerCertStore transaction with an audit row (the authenticated
// actor); the table's trigger sends NOTIFY sigil_server_certs, on which every sts replica swaps
// its TLS context (new connections get the new certificate; no restart).
//
// Who may manage which hostname (docs/tls.md "Who may manage which certificate"): an
// administrator of the system tenant (certmgr's --system-tenant), every hostname; an
// administrator of another tenant T, only the hostnames T has in tenant_hostnames (exact, lower
// case), and every DNS name (and common name) a certificate it makes for one must be T's too.
// The default certificate (''), wildcards (`*.domain`) and hostnames no tenant has are
// deployment-wide. A request outside the scope is kPermissionDenied (403) naming the hostname and
// its owner, and writes nothing (no audit row). The ownership is read again, locked FOR SHARE,
// in the transaction that writes, so a hostname moving to another tenant meanwhile cannot slip
// through. The credential of a request to another tenant's path that is ALSO a system-tenant
// administrator's (authenticate_deployment_admin) counts as a deployment admin.
//
// An import is checked completely before anything is written; a refused import is
// kInvalidArgument (or kNotFound without a pending CSR) with a message naming the check, and
// changes nothing. Two kinds: the CA's certificate for the pending CSR (no `key_pem`), or a
// certificate with its own private key (`key_pem`: unencrypted PEM, RSA >= 2048 or ECDSA P-256 /
// P-384), which becomes active at once and leaves a pending CSR of the hostname alone (its answer
// can still be imported later; a new csr replaces it).
//
// Thread-safety: handlers run on the blocking pool; each uses its own transaction.

#include <optional>
#include <string>
#include <string_view>

#include "certmgr/admin/admin_api.hpp"
#include "sigil/crypto/keys.hpp"

namespace sigil::certmgr::admin {

Result<Reply> show_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> create_server_csr(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> import_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> self_signed_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> export_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);

/// True when `pattern` (a certificate's dNSName: exact, or "*.example.com" for one leftmost
/// label) covers `name`, case-insensitively.
bool dns_name_covers(std::string_view pattern, std::string_view name);

/// Why an administrator of `actor_tenant`, which is not the system tenant `system_tenant`, may
/// not manage the server certificate of `hostname` ('' = the default certificate; lower case)
/// whose owner in tenant_hostnames is `owner` (nullopt: no tenant has it); nullopt when it may
/// (the owner is `actor_tenant`, compared case-insensitively). Pure.
std::optional<std::string> tenant_scope_refusal(std::string_view actor_tenant,
                                                std::string_view hostname,
                                                const std::optional<std::string>& owner,
                                                std::string_view system_tenant);

/// The key types an imported server key may have: RSA of at least 2048 bits, ECDSA P-256 or
/// P-384. kInvalidArgument naming the key otherwise. Pure.
Result<void> check_server_key_type(const crypto::KeyInfo& key);

}  // namespace sigil::certmgr::admin
