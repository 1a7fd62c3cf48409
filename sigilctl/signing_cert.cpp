#include "signing_cert.hpp"

#include <boost/json.hpp>

#include "local_db.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "certmgr/ca/builtin_ca.hpp"

namespace sigil::ctl {
namespace {

std::string time_or_dash(const std::optional<TimePoint>& t) {
  return t ? format_rfc3339(*t) : std::string("-");
}

boost::json::value time_json(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::string(format_rfc3339(*t));
}

Result<db::KeySetView> read_key_set(const SigilctlConfig& cfg) {
  SIGIL_TRY(auto pool, open_database(cfg));
  return db::transact(*pool, "signing-cert.read", [&](pqxx::dbtransaction& tx) {
    return db::KeySetStore(tx, audit_actor()).read(cfg.tenant);
  });
}

boost::json::object key_json(const db::SigningKeyRow& k) {
  boost::json::object o{{"key_id", k.key_id},
                        {"state", db::state_name(k.state)},
                        {"source", db::source_name(k.source)},
                        {"algorithm", k.algorithm},
                        {"certificate_sha256", k.certificate_sha256},
                        {"not_before", format_rfc3339(k.not_before)},
                        {"not_after", format_rfc3339(k.not_after)},
                        {"created_at", format_rfc3339(k.created_at)}};
  o["activated_at"] = time_json(k.activated_at);
  o["deactivated_at"] = time_json(k.deactivated_at);
  o["verify_until"] = time_json(k.verify_until);
  o["retired_at"] = time_json(k.retired_at);
  return o;
}

int list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto view = read_key_set(cfg);
  if (!view) return report_failure(err, view.error());
  if (cfg.json) {
    boost::json::array keys;
    for (const auto& k : view->keys) keys.push_back(key_json(k));
    boost::json::object root{{"tenant", view->tenant.name},
                             {"keyset_generation", view->tenant.keyset_generation},
                             {"keys", std::move(keys)}};
    print(out, boost::json::serialize(root) + "\n");
    return 0;
  }
  std::fprintf(out, "%-20s %-11s %-10s %-12s %-20s %-20s %s\n", "KEY ID", "STATE", "SOURCE",
               "ALGORITHM", "ACTIVATED", "NOT AFTER", "VERIFY UNTIL");
  for (const auto& k : view->keys) {
    std::fprintf(out, "%-20s %-11s %-10s %-12s %-20s %-20s %s\n", k.key_id.c_str(),
                 std::string(db::state_name(k.state)).c_str(),
                 std::string(db::source_name(k.source)).c_str(), k.algorithm.c_str(),
                 time_or_dash(k.activated_at).c_str(), format_rfc3339(k.not_after).c_str(),
                 time_or_dash(k.verify_until).c_str());
  }
  return 0;
}

int show(const SigilctlConfig& cfg, const std::string* key_id, std::FILE* out, std::FILE* err) {
  auto view = read_key_set(cfg);
  if (!view) return report_failure(err, view.error());
  const db::SigningKeyRow* found = nullptr;
  for (const auto& k : view->keys) {
    if (key_id != nullptr ? k.key_id == *key_id : k.state == db::SigningKeyState::kActive) {
      found = &k;
      break;
    }
  }
  if (found == nullptr) {
    return report_failure(
        err, make_error(Errc::kKeyNotFound,
                        key_id != nullptr
                            ? "no signing key " + *key_id + " in tenant " + view->tenant.name
                            : "tenant " + view->tenant.name + " has no active signing key"));
  }
  auto certs = crypto::parse_certificate_bundle(found->certificate_chain_pem);
  if (!certs) return report_failure(err, certs.error());
  auto info = crypto::describe(certs->front().get());
  if (!info) return report_failure(err, info.error());
  boost::json::object o = key_json(*found);
  o["subject"] = info->subject;
  o["issuer"] = info->issuer;
  o["serial"] = info->serial_hex;
  o["sha256_fingerprint"] = info->sha256_fingerprint;
  o["key"] = info->key_description;
  o["chain_length"] = certs->size();
  o["pem"] = found->certificate_chain_pem;
  if (cfg.json) {
    print(out, boost::json::serialize(o) + "\n");
    return 0;
  }
  const std::pair<const char*, std::string> rows[] = {
      {"key id", found->key_id},
      {"state", std::string(db::state_name(found->state))},
      {"source", std::string(db::source_name(found->source))},
      {"subject", info->subject},
      {"issuer", info->issuer},
      {"serial", info->serial_hex},
      {"key", info->key_description + " (" + found->algorithm + ")"},
      {"not before", format_rfc3339(info->not_before)},
      {"not after", format_rfc3339(info->not_after)},
      {"sha256", info->sha256_fingerprint},
      {"activated", time_or_dash(found->activated_at)},
      {"deactivated", time_or_dash(found->deactivated_at)},
      {"verify until", time_or_dash(found->verify_until)},
      {"retired", time_or_dash(found->retired_at)},
  };
  for (const auto& [label, value] : rows) std::fprintf(out, "%-13s %s\n", label, value.c_str());
  return 0;
}

// --key-type (validated by the option parser) as a crypto::KeyType.
crypto::KeyType key_type_of(const std::string& name) {
  if (name == "rsa-3072") return crypto::KeyType::kRsa3072;
  if (name == "ecdsa-p256") return crypto::KeyType::kEcdsaP256;
  return crypto::KeyType::kRsa2048;
}

// Issues a key for the tenant from the built-in CA (created at first use) and applies `op`
// (add or rotate) to it.
template <class Op>
Result<db::KeySetChange> with_new_key(const SigilctlConfig& cfg, std::string_view what, Op op) {
  SIGIL_TRY(crypto::MasterKey mk, load_master_key(cfg));
  const crypto::KeyType type = key_type_of(cfg.key_type);
  SIGIL_TRY(auto pool, open_database(cfg));
  SystemClock clock;
  return db::transact(*pool, what, [&](pqxx::dbtransaction& tx) -> Result<db::KeySetChange> {
    SIGIL_TRY(db::TenantRow tenant, db::TenantStore(tx).find(cfg.tenant));
    const TimePoint now = clock.now();
    ManualClock at(now);
    SIGIL_TRY(db::NewSigningKey key,
              certmgr::ca::new_signing_key(tx, mk, at, certmgr::ca::CaOptions{}, tenant.name,
                                           tenant.id, type,
                                           std::chrono::hours(24 * cfg.validity_days)));
    db::KeySetStore store(tx, audit_actor());
    return op(store, tenant.name, std::move(key), now);
  });
}

void print_change(const SigilctlConfig& cfg, const db::KeySetChange& c, std::FILE* out) {
  if (cfg.json) {
    boost::json::object o{{"tenant", c.tenant}, {"keyset_generation", c.generation}};
    o["added_key_id"] = c.added ? boost::json::value(c.added->key_id) : nullptr;
    o["activated_key_id"] = c.activated ? boost::json::value(*c.activated) : nullptr;
    o["verify_only_key_id"] = c.deactivated ? boost::json::value(*c.deactivated) : nullptr;
    o["verify_until"] = time_json(c.deactivated_verify_until);
    boost::json::array retired;
    for (const auto& k : c.retired) retired.push_back(boost::json::string(k));
    o["retired_key_ids"] = std::move(retired);
    print(out, boost::json::serialize(o) + "\n");
    return;
  }
  if (c.added && !c.activated) std::fprintf(out, "%s\n", c.added->key_id.c_str());
  if (c.activated) std::fprintf(out, "active: %s\n", c.activated->c_str());
  if (c.deactivated) {
    std::fprintf(out, "verify-only: %s until %s\n", c.deactivated->c_str(),
                 time_or_dash(c.deactivated_verify_until).c_str());
  }
  for (const auto& k : c.retired) std::fprintf(out, "retired: %s\n", k.c_str());
  if (c.activated) {
    std::fprintf(out, "keyset generation: %lld\n", static_cast<long long>(c.generation));
  }
}

int add(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto change =
      with_new_key(cfg, "signing-cert.add",
                   [](db::KeySetStore& store, const std::string& tenant, db::NewSigningKey key,
                      TimePoint now) { return store.add_pending(tenant, std::move(key), now); });
  if (!change) return report_failure(err, change.error());
  print_change(cfg, *change, out);
  return 0;
}

int refresh(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto change =
      with_new_key(cfg, "signing-cert.refresh",
                   [](db::KeySetStore& store, const std::string& tenant, db::NewSigningKey key,
                      TimePoint now) { return store.rotate(tenant, std::move(key), now); });
  if (!change) return report_failure(err, change.error());
  print_change(cfg, *change, out);
  return 0;
}

int activate(const SigilctlConfig& cfg, const std::string& key_id, std::FILE* out, std::FILE* err) {
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  SystemClock clock;
  auto change = db::transact(**pool, "signing-cert.activate", [&](pqxx::dbtransaction& tx) {
    return db::KeySetStore(tx, audit_actor()).activate(cfg.tenant, key_id, clock.now());
  });
  if (!change) return report_failure(err, change.error());
  print_change(cfg, *change, out);
  return 0;
}

}  // namespace

int run_signing_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                     std::FILE* err) {
  const std::string verb = args.empty() ? std::string() : args[0];
  if (verb == "list" && args.size() == 1) return list(cfg, out, err);
  if (verb == "show" && args.size() <= 2) {
    return show(cfg, args.size() == 2 ? &args[1] : nullptr, out, err);
  }
  if (verb == "add" && args.size() == 1) return add(cfg, out, err);
  if (verb == "refresh" && args.size() == 1) return refresh(cfg, out, err);
  if (verb == "activate" && args.size() == 2) return activate(cfg, args[1], out, err);
  if (verb == "import" && args.size() == 1) return run_signing_cert_import(cfg, out, err);
  std::fprintf(err,
               "sigilctl: usage: sigilctl signing-cert list | show [KEY_ID] | add | activate "
               "KEY_ID | refresh | import --cert F --key F (see sigilctl signing-cert --help)\n");
  return 2;
}

}  // namespace sigil::ctl
