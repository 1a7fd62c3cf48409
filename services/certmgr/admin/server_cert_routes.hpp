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
//   POST …/server-cert/import       the CA's certificate (+ chain) for the pending CSR -> active
//   POST …/server-cert/self-signed  a new self-signed certificate, active at once
//   POST …/server-cert/export       the active certificate + key as PKCS#12 (disaster recovery)
//
// Every change is one db::ServerCertStore transaction with an audit row (the authenticated
// actor); the table's trigger sends NOTIFY sigil_server_certs, on which every sts replica swaps
// its TLS context (new connections get the new certificate; no restart).
//
// An import is checked completely before anything is written; a refused import is
// kInvalidArgument (or kNotFound without a pending CSR) with a message naming the check, and
// changes nothing.
//
// Thread-safety: handlers run on the blocking pool; each uses its own transaction.

#include "certmgr/admin/admin_api.hpp"

namespace sigil::certmgr::admin {

Result<Reply> show_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> create_server_csr(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> import_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> self_signed_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> export_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a);

/// True when `pattern` (a certificate's dNSName: exact, or "*.example.com" for one leftmost
/// label) covers `name`, case-insensitively.
bool dns_name_covers(std::string_view pattern, std::string_view name);

}  // namespace sigil::certmgr::admin
