#include "sigil/db/key_set_store.hpp"

#include <pqxx/result>

#include "json_text.hpp"
#include "key_state.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/errors.hpp"
#include "sigil/db/peer_store.hpp"

namespace sigil::db {
namespace {

using internal::JsonObject;
using internal::key_state_of;

JsonObject added_json(const SigningKeyRow& k) {
  JsonObject o;
  o.add("key_id", k.key_id)
      .add("source", source_name(k.source))
      .add("algorithm", k.algorithm)
      .add("certificate_sha256", k.certificate_sha256)
      .add("not_after", std::optional<TimePoint>(k.not_after));
  return o;
}

}  // namespace

keys::RetentionPolicy retention_policy_of(const TenantRow& tenant) {
  keys::RetentionPolicy p;
  p.clock_tolerance = std::chrono::seconds(tenant.policy.clock_tolerance_s);
  p.max_bearer_lifetime = std::chrono::seconds(tenant.policy.max_bearer_lifetime_s);
  p.max_hok_lifetime = std::chrono::seconds(tenant.policy.max_hok_lifetime_s);
  p.max_renew_count = tenant.policy.max_renew_count;
  return p;
}

keys::KeyRecord key_record_of(const SigningKeyRow& row) {
  keys::KeyRecord k;
  k.key_id = row.key_id;
  k.state = key_state_of(row.state);
  k.not_before = row.not_before;
  k.not_after = row.not_after;
  k.activated_at = row.activated_at;
  k.deactivated_at = row.deactivated_at;
  k.verify_until = row.verify_until;
  return k;
}

Result<KeySetChange> KeySetStore::begin(std::string_view tenant, TimePoint now) {
  // Serialises every key-set change of this tenant (and set-policy, which locks it too).
  SIGIL_TRY(TenantRow row, TenantStore(tx_).lock(tenant));
  KeySetChange change;
  change.tenant = row.name;
  change.tenant_id = row.id;
  tenant_ = std::move(row);
  SIGIL_TRY(std::vector<SigningKeyRow> retired,
            SigningKeyStore(tx_).retire_due(change.tenant_id, now));
  for (const SigningKeyRow& k : retired) {
    change.retired.push_back(k.key_id);
    JsonObject old_value;
    old_value.add("key_id", k.key_id)
        .add("state", "verify-only")
        .add("verify_until", k.verify_until);
    JsonObject new_value;
    new_value.add("key_id", k.key_id)
        .add("state", "retired")
        .add("at", std::optional<TimePoint>(now));
    SIGIL_TRY_VOID(
        audit(change, "signing-key.retire", k.key_id, old_value.text(), new_value.text()));
  }
  return change;
}

Result<void> KeySetStore::audit(const KeySetChange& change, std::string_view action,
                                std::optional<std::string> target,
                                std::optional<std::string> old_value,
                                std::optional<std::string> new_value) {
  AuditEntry e;
  e.actor = actor_;
  e.action = std::string(action);
  e.tenant = change.tenant;
  e.target = std::move(target);
  e.old_value = std::move(old_value);
  e.new_value = std::move(new_value);
  return AuditLogStore(tx_).append(e);
}

// Every change also appends a change_log record (the tenant's whole key set afterwards) in the
// same transaction, for linked peers (peer_store.hpp); `kind` is empty when nothing changed.
Result<void> KeySetStore::finish(KeySetChange& change, std::string_view kind) {
  if (!kind.empty()) {
    SIGIL_TRY(std::int64_t seq,
              append_keyset_change(tx_, change.tenant_id, change.tenant, kind, std::nullopt));
    (void)seq;
  }
  try {
    change.generation =
        tx_.exec_params1("SELECT keyset_generation FROM tenants WHERE id = $1", change.tenant_id)[0]
            .as<std::int64_t>();
    return {};
  } catch (...) {
    return unexpected(current_db_error("read keyset generation"));
  }
}

Result<SigningKeyRow> KeySetStore::insert(KeySetChange& change, NewSigningKey key) {
  key.tenant_id = change.tenant_id;
  SIGIL_TRY(SigningKeyRow row, SigningKeyStore(tx_).insert(key));
  change.added = row;
  return row;
}

Result<void> KeySetStore::activate_locked(KeySetChange& change, std::string_view key_id,
                                          TimePoint now, std::string_view action) {
  SigningKeyStore store(tx_);
  SIGIL_TRY(std::vector<SigningKeyRow> rows, store.list(change.tenant_id));
  std::vector<keys::KeyRecord> records;
  for (const SigningKeyRow& r : rows) records.push_back(key_record_of(r));
  SIGIL_TRY(keys::ActivationPlan plan,
            keys::plan_activation(records, key_id, retention_policy_of(*tenant_), now));
  if (plan.previous_key) {
    SIGIL_TRY_VOID(store.deactivate(change.tenant_id, *plan.previous_key, plan.at,
                                    *plan.previous_verify_until));
  }
  SIGIL_TRY_VOID(store.activate(change.tenant_id, plan.key_id, plan.at));
  change.activated = plan.key_id;
  change.deactivated = plan.previous_key;
  change.deactivated_verify_until = plan.previous_verify_until;

  JsonObject old_value;
  old_value.add("active_key_id", plan.previous_key);
  JsonObject new_value;
  new_value.add("active_key_id", plan.key_id)
      .add("verify_only_key_id", plan.previous_key)
      .add("verify_until", plan.previous_verify_until)
      .add("at", std::optional<TimePoint>(plan.at));
  if (change.added) new_value.add("added", added_json(*change.added));
  return audit(change, action, plan.key_id, old_value.text(), new_value.text());
}

Result<KeySetChange> KeySetStore::add_pending(std::string_view tenant, NewSigningKey key,
                                              TimePoint now) {
  SIGIL_TRY(KeySetChange change, begin(tenant, now));
  SIGIL_TRY(SigningKeyRow row, insert(change, std::move(key)));
  JsonObject new_value = added_json(row);
  new_value.add("state", "pending");
  SIGIL_TRY_VOID(audit(change, "signing-key.add", row.key_id, std::nullopt, new_value.text()));
  SIGIL_TRY_VOID(finish(change, "keyset.add"));
  return change;
}

Result<KeySetChange> KeySetStore::activate(std::string_view tenant, std::string_view key_id,
                                           TimePoint now) {
  SIGIL_TRY(KeySetChange change, begin(tenant, now));
  SIGIL_TRY_VOID(activate_locked(change, key_id, now, "signing-key.activate"));
  SIGIL_TRY_VOID(finish(change, "keyset.activate"));
  return change;
}

Result<KeySetChange> KeySetStore::rotate(std::string_view tenant, NewSigningKey key,
                                         TimePoint now) {
  SIGIL_TRY(KeySetChange change, begin(tenant, now));
  SIGIL_TRY(SigningKeyRow row, insert(change, std::move(key)));
  SIGIL_TRY_VOID(activate_locked(change, row.key_id, now, "signing-key.rotate"));
  SIGIL_TRY_VOID(finish(change, "keyset.rotate"));
  return change;
}

Result<KeySetChange> KeySetStore::import(std::string_view tenant, NewSigningKey key, bool activate,
                                         TimePoint now) {
  key.source = SigningKeySource::kThirdParty;
  SIGIL_TRY(KeySetChange change, begin(tenant, now));
  SIGIL_TRY(SigningKeyRow row, insert(change, std::move(key)));
  if (activate) {
    SIGIL_TRY_VOID(activate_locked(change, row.key_id, now, "signing-key.import"));
  } else {
    JsonObject new_value = added_json(row);
    new_value.add("state", "pending");
    SIGIL_TRY_VOID(audit(change, "signing-key.import", row.key_id, std::nullopt, new_value.text()));
  }
  SIGIL_TRY_VOID(finish(change, "keyset.import"));
  return change;
}

Result<KeySetChange> KeySetStore::retire_due(std::string_view tenant, TimePoint now) {
  SIGIL_TRY(KeySetChange change, begin(tenant, now));
  SIGIL_TRY_VOID(finish(change, change.retired.empty() ? "" : "keyset.retire"));
  return change;
}

Result<KeySetView> KeySetStore::read(std::string_view tenant) {
  KeySetView view;
  SIGIL_TRY(view.tenant, TenantStore(tx_).find(tenant));
  SIGIL_TRY(view.keys, SigningKeyStore(tx_).list(view.tenant.id));
  return view;
}

}  // namespace sigil::db
