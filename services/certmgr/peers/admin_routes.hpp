#pragma once
// The admin API's peer routes (docs/admin-api.md, docs/peers.md). Peers are deployment-wide:
// the routes sit under the usual /api/v1/admin/tenants/{tenant}/ prefix (so sigilctl's admin
// client and AdminApi's authentication, logging and metrics apply unchanged), and AdminApi
// registers every one as Access::kDeployment: it admits only an Administrator of the system
// tenant, and the handler receives that administrator; {tenant} does not scope them.
//
//   GET  .../peers            every peer: url, last_acked_seq, lag, last_applied_seq,
//                             last_contact_at, last_acked_at, last_error
//   POST .../peers            {"url", "ca_pem"}: link a peer (https URL; PEM bundle with a CA)
//   POST .../peers/remove     {"url"}: unlink
//   GET  .../peers/identity   this deployment's trust bundle for the other side's `peer add`
//
// add and remove are audit-logged ("peer.add", "peer.remove") with the administrator.
//
// Thread-safety: handlers are pure functions over AdminDeps.

#include <string>

#include "certmgr/admin/admin_api.hpp"

namespace sigil::certmgr::peers {

/// "https://HOST:PORT" (the canonical form peers are stored under); kInvalidArgument for
/// anything but an https URL without path, query or credentials.
Result<std::string> canonical_peer_url(std::string_view url);

Result<admin::Reply> list_peers(const admin::AdminDeps& d, http::Request& r,
                                const admin::AdminActor& a);
Result<admin::Reply> add_peer(const admin::AdminDeps& d, http::Request& r,
                              const admin::AdminActor& a);
Result<admin::Reply> remove_peer(const admin::AdminDeps& d, http::Request& r,
                                 const admin::AdminActor& a);
Result<admin::Reply> peer_identity(const admin::AdminDeps& d, http::Request& r,
                                   const admin::AdminActor& a);

}  // namespace sigil::certmgr::peers
