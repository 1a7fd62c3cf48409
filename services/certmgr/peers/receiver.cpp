#include "certmgr/peers/receiver.hpp"

#include <set>

#include "certmgr/peers/peer_trust.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/keys/sealed_key.hpp"

namespace sigil::certmgr::peers {
namespace {

std::string header(const http::Request& r, std::string_view name) {
  auto it = r.message.find(name);
  return it == r.message.end() ? std::string() : std::string(it->value());
}

// Seals the PEM private key of a key this deployment does not have yet, after checking that it
// is the key of the key's certificate.
Result<void> seal_new_key(keys::ReplicatedKey& k, const std::string& pem,
                          const crypto::MasterKey& master_key, std::string_view tenant) {
  auto key = crypto::read_private_key_pem(pem);
  if (!key) return fail(Errc::kMalformedRequest, "the private key of " + k.key_id + " is unusable");
  auto chain = crypto::parse_certificate_bundle(k.certificate_chain_pem);
  if (!chain || chain->empty()) {
    return fail(Errc::kMalformedRequest, "the certificate chain of " + k.key_id + " is unusable");
  }
  if (!crypto::key_matches_certificate(key->get(), chain->front().get())) {
    return fail(Errc::kMalformedRequest,
                "the private key of " + k.key_id + " does not match its certificate");
  }
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(chain->front().get()));
  if (crypto::hex_encode(crypto::sha256(der)) != k.certificate_sha256) {
    return fail(Errc::kMalformedRequest, "certificate_sha256 of " + k.key_id + " is wrong");
  }
  SIGIL_TRY(
      k.private_key_ciphertext,
      crypto::seal_private_key(master_key, key->get(), keys::signing_key_aad(tenant, k.key_id)));
  k.master_key_id = master_key.id();
  return {};
}

Result<ApplyOutcome> apply_locked(pqxx::dbtransaction& tx, const crypto::MasterKey& master_key,
                                  const db::PeerRow& peer, const WireRecord& record,
                                  TimePoint now) {
  ApplyOutcome out;
  db::PeerStore peers(tx);
  SIGIL_TRY(std::int64_t applied, peers.lock_applied(peer.id));
  if (record.seq <= applied) {
    out.duplicate = true;
    return out;
  }
  auto tenant = db::TenantStore(tx).lock(record.tenant);
  if (!tenant) {
    if (tenant.error().code != Errc::kNotFound) return unexpected(tenant.error());
    return fail(Errc::kConflict, "tenant " + record.tenant +
                                     " does not exist on this deployment: create the tenant (or "
                                     "import its bundle) before linking");
  }
  SIGIL_TRY(std::vector<keys::ReplicatedKey> local, db::replicated_keys(tx, tenant->id));
  std::set<std::string> have;
  for (const auto& k : local) have.insert(k.key_id);
  std::vector<keys::ReplicatedKey> remote = record.keys;
  for (std::size_t i = 0; i < remote.size(); ++i) {
    if (have.contains(remote[i].key_id)) continue;  // local material is kept
    SIGIL_TRY_VOID(seal_new_key(remote[i], record.private_key_pems[i], master_key, tenant->name));
  }
  SIGIL_TRY(keys::MergeResult merged,
            keys::merge_key_sets(local, remote, db::retention_policy_of(*tenant)));
  if (merged.differs_from_local) {
    SIGIL_TRY_VOID(db::write_merged_keys(tx, tenant->id, local, merged.keys));
    out.changed_local = true;
  }
  std::optional<std::string> origin;
  if (!merged.differs_from_remote) origin = peer.url;  // the sender has it: not back to it
  if (merged.differs_from_remote || merged.differs_from_local) {
    SIGIL_TRY(std::int64_t seq,
              db::append_keyset_change(tx, tenant->id, tenant->name,
                                       merged.differs_from_remote ? "keyset.merge" : record.kind,
                                       origin));
    (void)seq;
    out.sent_back = merged.differs_from_remote;
  }
  if (out.changed_local) {
    db::AuditEntry e;
    e.actor = "peer:" + peer.url;
    e.action = "signing-key.replicate";
    e.tenant = tenant->name;
    e.target = record.kind;
    e.detail =
        "seq " + std::to_string(record.seq) +
        (merged.demoted.empty() ? ""
                                : "; demoted by the one-active rule: " + merged.demoted.front());
    SIGIL_TRY_VOID(db::AuditLogStore(tx).append(e));
  }
  SIGIL_TRY_VOID(peers.applied(peer.id, record.seq, now));
  try {
    out.generation =
        tx.exec_params1("SELECT keyset_generation FROM tenants WHERE id = $1", tenant->id)[0]
            .as<std::int64_t>();
  } catch (...) {
    out.generation = 0;
  }
  return out;
}

}  // namespace

Result<db::PeerRow> authenticate_peer(db::ConnectionPool& pool, const http::Request& request,
                                      TimePoint now) {
  if (!request.peer_certificate) {
    return fail(Errc::kUnauthenticated, "a peer must present its peer client certificate");
  }
  SIGIL_TRY(std::vector<db::PeerRow> all,
            db::transact(pool, "peer.authenticate",
                         [](pqxx::dbtransaction& tx) { return db::PeerStore(tx).list(); }));
  const db::PeerRow* found = nullptr;
  for (const db::PeerRow& p : all) {
    if (verify_peer_client(request.peer_certificate.get(), p.ca_pem, now)) {
      found = &p;
      break;
    }
  }
  if (found == nullptr) {
    return fail(Errc::kAuthFailed, "the client certificate is not that of a linked peer");
  }
  const std::string signature = header(request, kSignatureHeader);
  if (signature.empty()) return fail(Errc::kSignatureInvalid, "the record is not signed");
  const std::string signer = header(request, kSignerHeader);
  SIGIL_TRY(std::vector<std::uint8_t> der,
            crypto::write_certificate_der(request.peer_certificate.get()));
  if (signer != crypto::base64_encode(der)) {
    return fail(Errc::kSignatureInvalid,
                "the record must be signed with the TLS client certificate");
  }
  SIGIL_TRY_VOID(verify_body(request.peer_certificate.get(), request.message.body(), signature));
  return *found;
}

Result<ApplyOutcome> apply_record(db::ConnectionPool& pool, const crypto::MasterKey& master_key,
                                  const db::PeerRow& peer, const WireRecord& record,
                                  TimePoint now) {
  return db::transact(pool, "peer.apply", [&](pqxx::dbtransaction& tx) {
    return apply_locked(tx, master_key, peer, record, now);
  });
}

}  // namespace sigil::certmgr::peers
