#pragma once
// The change record one deployment POSTs to a linked peer (docs/peers.md "Wire format"):
//
//   {"seq": 42, "tenant": "vsphere.local", "kind": "keyset.rotate",
//    "keys": [{"key_id": "sk-…", "state": "active", "source": "builtin-ca",
//              "algorithm": "rsa-sha256", "certificate_chain_pem": "…",
//              "certificate_sha256": "<hex>", "private_key_pem": "-----BEGIN PRIVATE KEY-----…",
//              "not_before_us": …, "not_after_us": …, "activated_at_us": … | null,
//              "deactivated_at_us": …, "verify_until_us": …, "retired_at_us": …}, …]}
//
// `keys` is the tenant's whole key set after the change (times in microseconds since the Unix
// epoch, exact). In change_log the same object holds each private key sealed under the local
// master key (private_key_ciphertext, master_key_id); on the wire it travels as PKCS#8 PEM,
// only inside the mutually authenticated TLS connection, and the receiver seals it under its
// own master key at once.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/peer_store.hpp"
#include "sigil/keys/key_set_merge.hpp"

namespace sigil::certmgr::peers {

/// The HTTP header carrying base64(ECDSA-SHA256 signature over the exact body bytes) made with
/// the sender's peer client key, and the header with base64(DER) of that certificate.
inline constexpr char kSignatureHeader[] = "Sigil-Signature";
inline constexpr char kSignerHeader[] = "Sigil-Signature-Certificate";
inline constexpr std::string_view kChangesPath = "/api/v1/peer/changes";

struct WireRecord {
  std::int64_t seq = 0;
  std::string tenant;
  std::string kind;
  /// private_key_ciphertext/master_key_id are empty here; the PEM is in private_key_pems.
  std::vector<keys::ReplicatedKey> keys;
  std::vector<std::string> private_key_pems;  ///< parallel to keys (secret)
};

/// The keys of a change_log payload (private keys still sealed). kMalformedRequest if it is not
/// one.
Result<std::vector<keys::ReplicatedKey>> parse_payload(std::string_view payload);

/// A change_log row ready to send: each private key opened with `master_key` (AAD
/// keys::signing_key_aad(row.tenant, key_id)). kDecryptFailed names the key that did not open.
Result<WireRecord> wire_record_of(const db::ChangeRow& row, const crypto::MasterKey& master_key);

/// The JSON body of a record.
std::string serialize(const WireRecord& record);
/// Parses and checks a received body (every field present and typed, states known, times
/// consistent, at most one active key). kMalformedRequest with what is wrong.
Result<WireRecord> parse_wire_record(std::string_view body);

}  // namespace sigil::certmgr::peers
