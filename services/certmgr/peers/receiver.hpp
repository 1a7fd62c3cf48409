#pragma once
// The receiving side of peer replication: `POST /api/v1/peer/changes` on certmgr's admin
// listener (docs/peers.md). Not tenant-scoped and not admin-authenticated: the caller is a
// registered peer, proved by
//   1. its TLS client certificate, which must chain to a CA certificate of that peer's trust
//      bundle and carry EKU clientAuth (peer_trust.hpp): that peer is the record's origin;
//   2. the Sigil-Signature header: its signature over the exact body, made by the same
//      certificate (Sigil-Signature-Certificate must be that certificate's DER).
// Then the record is applied in ONE transaction:
//   - the origin peer row is locked; a record with seq <= its last_applied_seq was applied
//     before and is acknowledged without applying (idempotency);
//   - the tenant row is locked (an unknown tenant is kConflict: the sender keeps retrying);
//   - the key sets are merged (keys::merge_key_sets, the receiver's tenant policy), private keys
//     of new keys sealed under the local master key (keys::signing_key_aad), and written;
//     the signing_keys trigger bumps keyset_generation and NOTIFYs, so sts replicas reload;
//   - if the merge differs from what arrived, a local change_log record (origin NULL) sends the
//     merged set back to every peer; if it only changed the local set, a record with origin =
//     the sender goes on to the other peers but not back;
//   - an audit row "signing-key.replicate" (actor "peer:<url>") and last_applied_seq = seq.
//
// Thread-safety: pure functions over a thread-safe pool.

#include <string>

#include "certmgr/peers/change_record.hpp"

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/peer_store.hpp"
#include "sigil/http/message.hpp"

namespace sigil::certmgr::peers {

/// The registered peer whose bundle verifies the request's client certificate, after checking
/// the body signature. kUnauthenticated without a client certificate; kAuthFailed when no peer
/// trusts it; kSignatureInvalid for a missing or bad signature.
Result<db::PeerRow> authenticate_peer(db::ConnectionPool& pool, const http::Request& request,
                                      TimePoint now);

struct ApplyOutcome {
  bool duplicate = false;       ///< seq <= last_applied_seq: acknowledged, not applied
  bool changed_local = false;   ///< signing_keys changed here
  bool sent_back = false;       ///< the merged set differs from the sender's: a record goes back
  std::int64_t generation = 0;  ///< keyset_generation afterwards
};

/// Applies `record` from `peer` (see above). kConflict for a tenant this deployment lacks or a
/// key id that names another certificate here; kMalformedRequest for a private key that does
/// not match its certificate.
Result<ApplyOutcome> apply_record(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                                  const db::PeerRow& peer, const WireRecord& record, TimePoint now);

}  // namespace sigil::certmgr::peers
