#include "certmgr/peers/change_record.hpp"

#include <set>

#include <boost/json.hpp>

#include "sigil/crypto/keys.hpp"
#include "sigil/keys/sealed_key.hpp"

namespace sigil::certmgr::peers {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxKeys = 1000;

TimePoint from_us(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

std::int64_t us_of(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

json::value us_value(const std::optional<TimePoint>& t) {
  return t ? json::value(us_of(*t)) : json::value(nullptr);
}

Error malformed(std::string what) {
  return make_error(Errc::kMalformedRequest, "malformed change record: " + std::move(what));
}

Result<std::string> text_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return unexpected(malformed(std::string(name) + " missing"));
  return std::string(v->as_string());
}

Result<std::int64_t> int_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_int64()) return unexpected(malformed(std::string(name) + " missing"));
  return v->as_int64();
}

// A TimePoint holds nanoseconds in 64 bits: microseconds it cannot hold are refused, not
// overflowed (found by fuzzing, docs/development.md "Fuzzing").
Result<TimePoint> time_of(std::int64_t us, std::string_view name) {
  constexpr std::int64_t kLimitUs =
      std::chrono::duration_cast<std::chrono::microseconds>(TimePoint::duration::max()).count();
  if (us >= kLimitUs || us <= -kLimitUs) {
    return unexpected(malformed(std::string(name) + " is out of range"));
  }
  return from_us(us);
}

Result<std::optional<TimePoint>> optional_time(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return unexpected(malformed(std::string(name) + " missing"));
  if (v->is_null()) return std::optional<TimePoint>();
  if (!v->is_int64()) return unexpected(malformed(std::string(name) + " is not an integer"));
  SIGIL_TRY(TimePoint t, time_of(v->as_int64(), name));
  return std::optional<TimePoint>(t);
}

// One key object; `sealed`: private_key_ciphertext + master_key_id, else private_key_pem.
Result<keys::ReplicatedKey> key_of(const json::value& v, bool sealed, std::string* pem) {
  if (!v.is_object()) return unexpected(malformed("a key is not an object"));
  const json::object& o = v.as_object();
  keys::ReplicatedKey k;
  SIGIL_TRY(k.key_id, text_field(o, "key_id"));
  SIGIL_TRY(std::string state, text_field(o, "state"));
  auto parsed = keys::parse_state(state);
  if (!parsed) return unexpected(malformed("unknown state " + state));
  k.state = *parsed;
  SIGIL_TRY(k.source, text_field(o, "source"));
  if (k.source != "builtin-ca" && k.source != "third-party") {
    return unexpected(malformed("unknown source " + k.source));
  }
  SIGIL_TRY(k.algorithm, text_field(o, "algorithm"));
  SIGIL_TRY(k.certificate_chain_pem, text_field(o, "certificate_chain_pem"));
  SIGIL_TRY(k.certificate_sha256, text_field(o, "certificate_sha256"));
  if (sealed) {
    SIGIL_TRY(k.private_key_ciphertext, text_field(o, "private_key_ciphertext"));
    SIGIL_TRY(k.master_key_id, text_field(o, "master_key_id"));
  } else {
    SIGIL_TRY(*pem, text_field(o, "private_key_pem"));
  }
  SIGIL_TRY(std::int64_t nb, int_field(o, "not_before_us"));
  SIGIL_TRY(std::int64_t na, int_field(o, "not_after_us"));
  SIGIL_TRY(k.not_before, time_of(nb, "not_before_us"));
  SIGIL_TRY(k.not_after, time_of(na, "not_after_us"));
  SIGIL_TRY(k.activated_at, optional_time(o, "activated_at_us"));
  SIGIL_TRY(k.deactivated_at, optional_time(o, "deactivated_at_us"));
  SIGIL_TRY(k.verify_until, optional_time(o, "verify_until_us"));
  SIGIL_TRY(k.retired_at, optional_time(o, "retired_at_us"));
  return k;
}

// The lifecycle a signing_keys row must have (the schema's CHECKs), so that a bad record is
// refused as malformed before it reaches the database.
Result<void> check_lifecycle(const keys::ReplicatedKey& k) {
  const bool ok = [&] {
    switch (k.state) {
      case keys::KeyState::kPending:
        return !k.activated_at && !k.deactivated_at && !k.retired_at;
      case keys::KeyState::kActive:
        return k.activated_at && !k.deactivated_at && !k.retired_at;
      case keys::KeyState::kVerifyOnly:
        return k.deactivated_at && k.verify_until && !k.retired_at;
      case keys::KeyState::kRetired:
        return k.retired_at.has_value();
    }
    return false;
  }();
  if (!ok || k.not_before >= k.not_after) {
    return unexpected(malformed("key " + k.key_id + " has inconsistent state and times"));
  }
  return {};
}

Result<json::value> parse_object(std::string_view text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return unexpected(malformed("not a JSON object"));
  return v;
}

Result<std::vector<keys::ReplicatedKey>> keys_of(const json::object& o, bool sealed,
                                                 std::vector<std::string>* pems) {
  const json::value* arr = o.if_contains("keys");
  if (arr == nullptr || !arr->is_array()) return unexpected(malformed("keys missing"));
  if (arr->as_array().size() > kMaxKeys) return unexpected(malformed("too many keys"));
  std::vector<keys::ReplicatedKey> out;
  std::set<std::string> ids;
  int active = 0;
  for (const json::value& v : arr->as_array()) {
    std::string pem;
    SIGIL_TRY(keys::ReplicatedKey k, key_of(v, sealed, &pem));
    SIGIL_TRY_VOID(check_lifecycle(k));
    if (!ids.insert(k.key_id).second) return unexpected(malformed("key " + k.key_id + " twice"));
    active += k.state == keys::KeyState::kActive ? 1 : 0;
    out.push_back(std::move(k));
    if (pems != nullptr) pems->push_back(std::move(pem));
  }
  if (active > 1) return unexpected(malformed("more than one active key"));
  return out;
}

}  // namespace

Result<std::vector<keys::ReplicatedKey>> parse_payload(std::string_view payload) {
  SIGIL_TRY(json::value v, parse_object(payload));
  return keys_of(v.as_object(), true, nullptr);
}

Result<WireRecord> wire_record_of(const db::ChangeRow& row, const crypto::MasterKey& master_key) {
  WireRecord r;
  r.seq = row.seq;
  r.tenant = row.tenant;
  r.kind = row.kind;
  SIGIL_TRY(r.keys, parse_payload(row.payload));
  for (keys::ReplicatedKey& k : r.keys) {
    auto key = crypto::open_private_key(master_key, k.private_key_ciphertext,
                                        keys::signing_key_aad(row.tenant, k.key_id));
    if (!key) {
      return fail(key.error().code,
                  "cannot open the private key of " + k.key_id + ": " + key.error().message);
    }
    SIGIL_TRY(crypto::SecretString pem, crypto::write_private_key_pem(key->get()));
    r.private_key_pems.emplace_back(pem.view());
    k.private_key_ciphertext.clear();
    k.master_key_id.clear();
  }
  return r;
}

std::string serialize(const WireRecord& record) {
  json::array keys;
  for (std::size_t i = 0; i < record.keys.size(); ++i) {
    const keys::ReplicatedKey& k = record.keys[i];
    keys.push_back(json::object{
        {"key_id", k.key_id},
        {"state", keys::state_name(k.state)},
        {"source", k.source},
        {"algorithm", k.algorithm},
        {"certificate_chain_pem", k.certificate_chain_pem},
        {"certificate_sha256", k.certificate_sha256},
        {"private_key_pem", i < record.private_key_pems.size() ? record.private_key_pems[i] : ""},
        {"not_before_us", us_of(k.not_before)},
        {"not_after_us", us_of(k.not_after)},
        {"activated_at_us", us_value(k.activated_at)},
        {"deactivated_at_us", us_value(k.deactivated_at)},
        {"verify_until_us", us_value(k.verify_until)},
        {"retired_at_us", us_value(k.retired_at)},
    });
  }
  json::object o{{"seq", record.seq},
                 {"tenant", record.tenant},
                 {"kind", record.kind},
                 {"keys", std::move(keys)}};
  return json::serialize(o);
}

Result<WireRecord> parse_wire_record(std::string_view body) {
  SIGIL_TRY(json::value v, parse_object(body));
  const json::object& o = v.as_object();
  WireRecord r;
  SIGIL_TRY(r.seq, int_field(o, "seq"));
  if (r.seq <= 0) return unexpected(malformed("seq must be positive"));
  SIGIL_TRY(r.tenant, text_field(o, "tenant"));
  SIGIL_TRY(r.kind, text_field(o, "kind"));
  if (r.tenant.empty() || r.kind.empty()) return unexpected(malformed("empty tenant or kind"));
  SIGIL_TRY(r.keys, keys_of(o, false, &r.private_key_pems));
  return r;
}

}  // namespace sigil::certmgr::peers
