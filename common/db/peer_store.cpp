#include "sigil/db/peer_store.hpp"

#include <algorithm>
#include <map>

#include <pqxx/result>

#include "json_text.hpp"
#include "key_state.hpp"
#include "time_sql.hpp"

#include "sigil/db/errors.hpp"
#include "sigil/db/signing_key_store.hpp"

namespace sigil::db {
namespace {

using internal::JsonObject;
using internal::key_state_of;
using internal::optional_time_of;
using internal::param_ts;
using internal::select_us;
using internal::time_of;
using internal::to_unix_us;

keys::ReplicatedKey replicated_of(const SigningKeyRow& r) {
  keys::ReplicatedKey k;
  k.key_id = r.key_id;
  k.state = key_state_of(r.state);
  k.source = std::string(source_name(r.source));
  k.algorithm = r.algorithm;
  k.certificate_chain_pem = r.certificate_chain_pem;
  k.certificate_sha256 = r.certificate_sha256;
  k.private_key_ciphertext = r.private_key_ciphertext;
  k.master_key_id = r.master_key_id;
  k.not_before = r.not_before;
  k.not_after = r.not_after;
  k.activated_at = r.activated_at;
  k.deactivated_at = r.deactivated_at;
  k.verify_until = r.verify_until;
  k.retired_at = r.retired_at;
  return k;
}

std::optional<std::int64_t> us_of(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return to_unix_us(*t);
}

void add_us(JsonObject& o, std::string_view key, const std::optional<TimePoint>& t) {
  if (t) {
    o.add(key, to_unix_us(*t));
  } else {
    o.add(key, std::optional<std::string>());
  }
}

std::string peer_columns() {
  return "id, url, ca_pem, last_acked_seq, last_applied_seq, last_error, " +
         select_us("last_contact_at") + ", " + select_us("created_at") + ", " +
         select_us("last_acked_at");
}

PeerRow peer_of(const pqxx::row& r) {
  PeerRow p;
  p.id = r[0].as<std::int64_t>();
  p.url = r[1].as<std::string>();
  p.ca_pem = r[2].as<std::string>();
  p.last_acked_seq = r[3].as<std::int64_t>();
  p.last_applied_seq = r[4].as<std::int64_t>();
  if (!r[5].is_null()) p.last_error = r[5].as<std::string>();
  p.last_contact_at = optional_time_of(r[6]);
  p.created_at = time_of(r[7]);
  p.last_acked_at = optional_time_of(r[8]);
  return p;
}

// Inserts a key the tenant does not have yet, with its whole lifecycle.
void insert_full(pqxx::dbtransaction& tx, std::int64_t tenant_id, const keys::ReplicatedKey& k) {
  tx.exec_params(
      "INSERT INTO signing_keys (tenant_id, key_id, state, source, algorithm, "
      "certificate_chain_pem, certificate_sha256, private_key_ciphertext, master_key_id, "
      "not_before, not_after, activated_at, deactivated_at, verify_until, retired_at) VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, " +
          param_ts(10) + ", " + param_ts(11) + ", " + param_ts(12) + ", " + param_ts(13) + ", " +
          param_ts(14) + ", " + param_ts(15) + ")",
      tenant_id, k.key_id, std::string(keys::state_name(k.state)), k.source, k.algorithm,
      k.certificate_chain_pem, k.certificate_sha256, k.private_key_ciphertext, k.master_key_id,
      to_unix_us(k.not_before), to_unix_us(k.not_after), us_of(k.activated_at),
      us_of(k.deactivated_at), us_of(k.verify_until), us_of(k.retired_at));
}

void update_lifecycle(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                      const keys::ReplicatedKey& k) {
  tx.exec_params("UPDATE signing_keys SET state = $3, activated_at = " + param_ts(4) +
                     ", deactivated_at = " + param_ts(5) + ", verify_until = " + param_ts(6) +
                     ", retired_at = " + param_ts(7) + " WHERE tenant_id = $1 AND key_id = $2",
                 tenant_id, k.key_id, std::string(keys::state_name(k.state)), us_of(k.activated_at),
                 us_of(k.deactivated_at), us_of(k.verify_until), us_of(k.retired_at));
}

}  // namespace

Result<std::vector<keys::ReplicatedKey>> replicated_keys(pqxx::dbtransaction& tx,
                                                         std::int64_t tenant_id) {
  SIGIL_TRY(std::vector<SigningKeyRow> rows, SigningKeyStore(tx).list(tenant_id));
  std::vector<keys::ReplicatedKey> out;
  for (const SigningKeyRow& r : rows) out.push_back(replicated_of(r));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.key_id < b.key_id; });
  return out;
}

std::string keyset_payload(std::string_view tenant, std::span<const keys::ReplicatedKey> keys) {
  std::string array = "[";
  for (const keys::ReplicatedKey& k : keys) {
    JsonObject o;
    o.add("key_id", k.key_id)
        .add("state", keys::state_name(k.state))
        .add("source", k.source)
        .add("algorithm", k.algorithm)
        .add("certificate_chain_pem", k.certificate_chain_pem)
        .add("certificate_sha256", k.certificate_sha256)
        .add("private_key_ciphertext", k.private_key_ciphertext)
        .add("master_key_id", k.master_key_id)
        .add("not_before_us", to_unix_us(k.not_before))
        .add("not_after_us", to_unix_us(k.not_after));
    add_us(o, "activated_at_us", k.activated_at);
    add_us(o, "deactivated_at_us", k.deactivated_at);
    add_us(o, "verify_until_us", k.verify_until);
    add_us(o, "retired_at_us", k.retired_at);
    array += (array.size() > 1 ? "," : "") + o.text();
  }
  return "{\"tenant\":" + internal::json_quote(tenant) + ",\"keys\":" + array + "]}";
}

Result<std::int64_t> append_keyset_change(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                                          std::string_view tenant, std::string_view kind,
                                          const std::optional<std::string>& origin) {
  SIGIL_TRY(std::vector<keys::ReplicatedKey> keys, replicated_keys(tx, tenant_id));
  try {
    return tx
        .exec_params1(
            "INSERT INTO change_log (tenant, kind, payload, origin) VALUES ($1, $2, $3::jsonb, "
            "$4) RETURNING seq",
            std::string(tenant), std::string(kind), keyset_payload(tenant, keys), origin)[0]
        .as<std::int64_t>();
  } catch (...) {
    return unexpected(current_db_error("append change record"));
  }
}

Result<void> write_merged_keys(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                               std::span<const keys::ReplicatedKey> local,
                               std::span<const keys::ReplicatedKey> merged) {
  std::map<std::string, const keys::ReplicatedKey*> have;
  for (const keys::ReplicatedKey& k : local) have[k.key_id] = &k;
  try {
    // Two passes: everything that is not (or no longer) active first, then the active key.
    for (int pass = 0; pass < 2; ++pass) {
      for (const keys::ReplicatedKey& k : merged) {
        if ((k.state == keys::KeyState::kActive) != (pass == 1)) continue;
        auto it = have.find(k.key_id);
        if (it == have.end()) {
          insert_full(tx, tenant_id, k);
        } else if (!it->second->same_lifecycle(k)) {
          update_lifecycle(tx, tenant_id, k);
        }
      }
    }
    return {};
  } catch (...) {
    return unexpected(current_db_error("write merged signing keys"));
  }
}

Result<PeerRow> PeerStore::add(std::string_view url, std::string_view ca_pem) {
  try {
    SIGIL_TRY(std::int64_t last, max_seq());
    const pqxx::row r = tx_.exec_params1(
        "INSERT INTO peers (url, ca_pem, last_acked_seq) VALUES ($1, $2, $3) RETURNING " +
            peer_columns(),
        std::string(url), std::string(ca_pem), last);
    PeerRow peer = peer_of(r);
    for (const auto& t : tx_.exec("SELECT id, name FROM tenants ORDER BY name_key")) {
      SIGIL_TRY(std::int64_t seq,
                append_keyset_change(tx_, t[0].as<std::int64_t>(), t[1].as<std::string>(),
                                     "keyset.snapshot", std::nullopt));
      (void)seq;
    }
    return peer;
  } catch (...) {
    Error e = current_db_error("add peer");
    if (e.detail.starts_with("SQLSTATE 23505")) {
      e.code = Errc::kConflict;
      e.message = "peer " + std::string(url) + " is already linked";
    }
    return unexpected(std::move(e));
  }
}

Result<PeerRow> PeerStore::remove(std::string_view url) {
  try {
    const pqxx::result r = tx_.exec_params(
        "DELETE FROM peers WHERE url = $1 RETURNING " + peer_columns(), std::string(url));
    if (r.empty()) return fail(Errc::kNotFound, "no peer " + std::string(url));
    return peer_of(r[0]);
  } catch (...) {
    return unexpected(current_db_error("remove peer"));
  }
}

Result<std::vector<PeerRow>> PeerStore::list() {
  try {
    std::vector<PeerRow> out;
    for (const auto& r :
         tx_.exec("SELECT " + peer_columns() +
                  ", (SELECT count(*) FROM change_log c WHERE c.seq > p.last_acked_seq AND "
                  "c.origin IS DISTINCT FROM p.url) FROM peers p ORDER BY url")) {
      PeerRow p = peer_of(r);
      p.lag = r[9].as<std::int64_t>();
      out.push_back(std::move(p));
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("list peers"));
  }
}

Result<std::vector<ChangeRow>> PeerStore::pending(const PeerRow& peer, std::int64_t limit) {
  try {
    std::vector<ChangeRow> out;
    for (const auto& r : tx_.exec_params(
             "SELECT seq, tenant, kind, payload::text, origin, " + select_us("created_at") +
                 " FROM change_log WHERE seq > $1 AND origin IS DISTINCT FROM $2 "
                 "ORDER BY seq LIMIT $3",
             peer.last_acked_seq, peer.url, limit)) {
      ChangeRow c;
      c.seq = r[0].as<std::int64_t>();
      c.tenant = r[1].as<std::string>();
      c.kind = r[2].as<std::string>();
      c.payload = r[3].as<std::string>();
      if (!r[4].is_null()) c.origin = r[4].as<std::string>();
      c.created_at = time_of(r[5]);
      out.push_back(std::move(c));
    }
    return out;
  } catch (...) {
    return unexpected(current_db_error("read pending change records"));
  }
}

Result<void> PeerStore::acknowledged(std::int64_t peer_id, std::int64_t seq, TimePoint at) {
  try {
    tx_.exec_params(
        "UPDATE peers SET last_acked_seq = greatest(last_acked_seq, $2), "
        "last_contact_at = " +
            param_ts(3) + ", last_acked_at = " + param_ts(3) +
            ", last_error = NULL, updated_at = now() WHERE id = $1",
        peer_id, seq, to_unix_us(at));
    return {};
  } catch (...) {
    return unexpected(current_db_error("record acknowledgement"));
  }
}

Result<void> PeerStore::failed(std::int64_t peer_id, std::string_view message) {
  try {
    tx_.exec_params("UPDATE peers SET last_error = $2, updated_at = now() WHERE id = $1", peer_id,
                    std::string(message));
    return {};
  } catch (...) {
    return unexpected(current_db_error("record push failure"));
  }
}

Result<std::int64_t> PeerStore::lock_applied(std::int64_t peer_id) {
  try {
    const pqxx::result r =
        tx_.exec_params("SELECT last_applied_seq FROM peers WHERE id = $1 FOR UPDATE", peer_id);
    if (r.empty()) return fail(Errc::kNotFound, "the peer was removed");
    return r[0][0].as<std::int64_t>();
  } catch (...) {
    return unexpected(current_db_error("lock peer"));
  }
}

Result<void> PeerStore::applied(std::int64_t peer_id, std::int64_t seq, TimePoint at) {
  try {
    tx_.exec_params(
        "UPDATE peers SET last_applied_seq = greatest(last_applied_seq, $2), "
        "last_contact_at = " +
            param_ts(3) + ", updated_at = now() WHERE id = $1",
        peer_id, seq, to_unix_us(at));
    return {};
  } catch (...) {
    return unexpected(current_db_error("record applied change"));
  }
}

Result<std::int64_t> PeerStore::max_seq() {
  try {
    return tx_.exec("SELECT coalesce(max(seq), 0) FROM change_log")[0][0].as<std::int64_t>();
  } catch (...) {
    return unexpected(current_db_error("read last change record"));
  }
}

}  // namespace sigil::db
