#pragma once
// Admin API: signed configuration bundles (docs/bundles.md), under
// /api/v1/admin/tenants/{tenant}/bundle:
//
//   POST …/bundle/export           {"include_secrets"?: bool} -> the tenant's bundle, signed with
//                                  this deployment's default server certificate. Any
//                                  administrator of {tenant}; with include_secrets the bundle
//                                  holds the users' password hashes (audited, warn log).
//   POST …/bundle/import           {"bundle": file text, "trust"?: bool, "dry_run"?: bool}:
//                                  verify, check the signer is trusted, apply in ONE
//                                  transaction. Deployment-wide (it may create a tenant and
//                                  trust a signer): an administrator of the system tenant.
//   GET  …/bundle/trusted-signers  the trusted signer list (system-tenant administrator).
//
// The tenant imported is the one the bundle names; {tenant} is only the tenant the caller
// authenticates against (the system tenant, or the bundle's tenant itself).
//
// Thread-safety: handlers run on the blocking pool; each uses its own transaction.

#include "certmgr/admin/admin_api.hpp"

namespace sigil::certmgr::admin {

Result<Reply> export_bundle(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> import_bundle(const AdminDeps& d, http::Request& r, const AdminActor& a);
Result<Reply> list_trusted_signers(const AdminDeps& d, http::Request& r, const AdminActor& a);

}  // namespace sigil::certmgr::admin
