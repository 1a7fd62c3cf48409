#include "tenant.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <pqxx/result>

#include "local_db.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/errors.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/tenant_policy.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "certmgr/ca/builtin_ca.hpp"

namespace sigil::ctl {
namespace {

constexpr std::chrono::hours kSigningKeyValidity{24 * 3653};

// --hostname, lower-cased: a DNS name (labels of letters, digits and '-', dot-separated).
Result<std::string> tenant_hostname(const std::string& given) {
  std::string h;
  for (unsigned char c : given) h += static_cast<char>(std::tolower(c));
  if (!h.empty() && h.back() == '.') h.pop_back();
  bool ok = !h.empty() && h.size() <= 253;
  std::string_view rest = h;
  while (ok) {
    const auto dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    ok = !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (!ok) {
    return fail(Errc::kInvalidArgument,
                "--hostname '" + given + "' is not a DNS name (letters, digits, '-', dots)");
  }
  return h;
}

// Gives tenant `tenant_id` the hostname `hostname`; kConflict when another tenant has it.
Result<void> add_hostname(pqxx::dbtransaction& tx, std::int64_t tenant_id,
                          const std::string& hostname) {
  try {
    const pqxx::result owner = tx.exec_params(
        "SELECT t.name FROM tenant_hostnames h JOIN tenants t ON t.id = h.tenant_id "
        "WHERE h.hostname = $1",
        hostname);
    if (!owner.empty()) {
      return fail(Errc::kConflict, "the hostname " + hostname + " belongs to tenant " +
                                       owner[0][0].as<std::string>() + "; nothing created");
    }
    tx.exec_params("INSERT INTO tenant_hostnames (hostname, tenant_id) VALUES ($1, $2)",
                   hostname, tenant_id);
    return {};
  } catch (...) {
    return unexpected(db::current_db_error("store the tenant's hostname"));
  }
}

int create(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  std::string hostname;
  if (!cfg.hostname.empty()) {
    auto h = tenant_hostname(cfg.hostname);
    if (!h) return report_failure(err, h.error());
    hostname = std::move(*h);
  }
  auto mk = load_master_key(cfg);
  if (!mk) return report_failure(err, mk.error());
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  SystemClock clock;
  auto key_id =
      db::transact(**pool, "tenant.create", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
        SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).create(name));
        if (!hostname.empty()) {
          SIGIL_TRY_VOID(add_hostname(tx, row.id, hostname));
        }
        SIGIL_TRY(db::NewSigningKey key,
                  certmgr::ca::new_signing_key(tx, *mk, clock, certmgr::ca::CaOptions{}, row.name,
                                               row.id, crypto::KeyType::kRsa2048,
                                               kSigningKeyValidity));
        SIGIL_TRY(db::KeySetChange change,
                  db::KeySetStore(tx, audit_actor()).rotate(row.name, std::move(key), clock.now()));
        if (!change.activated) return fail(Errc::kInternal, "the new key was not activated");
        return std::move(*change.activated);
      });
  if (!key_id) return report_failure(err, key_id.error());
  if (cfg.json) {
    boost::json::object o{{"tenant", name}, {"signing_key_id", *key_id}};
    if (!hostname.empty()) o["hostname"] = hostname;
    print(out, boost::json::serialize(o) + "\n");
  } else if (hostname.empty()) {
    std::fprintf(out, "created tenant %s with signing key %s\n", name.c_str(), key_id->c_str());
  } else {
    std::fprintf(out, "created tenant %s (hostname %s) with signing key %s\n", name.c_str(),
                 hostname.c_str(), key_id->c_str());
  }
  return 0;
}

int list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  auto rows = db::transact(**pool, "tenant.list",
                           [](pqxx::dbtransaction& tx) { return db::TenantStore(tx).list(); });
  if (!rows) return report_failure(err, rows.error());
  if (!cfg.json) std::fprintf(out, "%-32s %s\n", "TENANT", "CREATED");
  std::string json = "[";
  for (const auto& t : *rows) {
    if (cfg.json) {
      json += std::string(json.size() > 1 ? "," : "") + "{\"name\":\"" + t.name +
              "\",\"created_at\":\"" + format_rfc3339(t.created_at) + "\"}";
    } else {
      std::fprintf(out, "%-32s %s\n", t.name.c_str(), format_rfc3339(t.created_at).c_str());
    }
  }
  if (cfg.json) std::fprintf(out, "%s]\n", json.c_str());
  return 0;
}

boost::json::object policy_json(const db::TenantRow& t) {
  return {{"clock_tolerance_s", t.policy.clock_tolerance_s},
          {"max_bearer_lifetime_s", t.policy.max_bearer_lifetime_s},
          {"max_hok_lifetime_s", t.policy.max_hok_lifetime_s},
          {"max_renew_count", t.policy.max_renew_count},
          {"max_delegation_count", t.policy.max_delegation_count},
          {"lockout_max_failures", t.lockout.max_failures},
          {"lockout_window_s", t.lockout.window_s},
          {"lockout_duration_s", t.lockout.duration_s}};
}

void print_tenant(const SigilctlConfig& cfg, const db::KeySetView& v, std::FILE* out) {
  const db::TenantRow& t = v.tenant;
  std::string active = "-";
  std::int64_t verifying = 0;
  for (const auto& k : v.keys) {
    if (k.state == db::SigningKeyState::kActive) active = k.key_id;
    if (k.state == db::SigningKeyState::kActive || k.state == db::SigningKeyState::kVerifyOnly) {
      ++verifying;
    }
  }
  const auto retention = keys::retention_period(db::retention_policy_of(t)).count();
  if (cfg.json) {
    boost::json::object o{{"name", t.name},
                          {"created_at", format_rfc3339(t.created_at)},
                          {"keyset_generation", t.keyset_generation},
                          {"active_key_id", active},
                          {"verifying_keys", verifying},
                          {"retention_period_s", retention},
                          {"policy", policy_json(t)}};
    print(out, boost::json::serialize(o) + "\n");
    return;
  }
  std::fprintf(out, "%-22s %s\n", "tenant", t.name.c_str());
  std::fprintf(out, "%-22s %s\n", "created", format_rfc3339(t.created_at).c_str());
  std::fprintf(out, "%-22s %lld\n", "keyset generation",
               static_cast<long long>(t.keyset_generation));
  std::fprintf(out, "%-22s %s\n", "active key", active.c_str());
  std::fprintf(out, "%-22s %lld\n", "verifying keys", static_cast<long long>(verifying));
  std::fprintf(out, "%-22s %lld s\n", "key retention", static_cast<long long>(retention));
  for (const auto& [name, value] : policy_json(t)) {
    std::fprintf(out, "%-22s %lld\n", std::string(name).c_str(),
                 static_cast<long long>(value.as_int64()));
  }
}

int show(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  auto view = db::transact(**pool, "tenant.show", [&](pqxx::dbtransaction& tx) {
    return db::KeySetStore(tx, audit_actor()).read(name);
  });
  if (!view) return report_failure(err, view.error());
  print_tenant(cfg, *view, out);
  return 0;
}

// The --<policy> flags given, as an update; kInvalidArgument for a value that is not a number.
Result<db::TenantPolicyUpdate> policy_update(const SigilctlConfig& cfg) {
  const std::pair<const std::string*, std::optional<std::int64_t> db::TenantPolicyUpdate::*>
      fields[] = {
          {&cfg.clock_tolerance_s, &db::TenantPolicyUpdate::clock_tolerance_s},
          {&cfg.max_bearer_lifetime_s, &db::TenantPolicyUpdate::max_bearer_lifetime_s},
          {&cfg.max_hok_lifetime_s, &db::TenantPolicyUpdate::max_hok_lifetime_s},
          {&cfg.max_renew_count, &db::TenantPolicyUpdate::max_renew_count},
          {&cfg.max_delegation_count, &db::TenantPolicyUpdate::max_delegation_count},
          {&cfg.lockout_max_failures, &db::TenantPolicyUpdate::lockout_max_failures},
          {&cfg.lockout_window_s, &db::TenantPolicyUpdate::lockout_window_s},
          {&cfg.lockout_duration_s, &db::TenantPolicyUpdate::lockout_duration_s},
      };
  db::TenantPolicyUpdate u;
  for (const auto& [text, member] : fields) {
    if (text->empty()) continue;
    std::size_t used = 0;
    long long v = 0;
    bool ok = text->find_first_not_of("-0123456789") == std::string::npos && text->size() < 19;
    if (ok) v = std::stoll(*text, &used);
    if (!ok || used != text->size()) {
      return fail(Errc::kInvalidArgument, "'" + *text + "' is not a whole number");
    }
    u.*member = v;
  }
  return u;
}

int set_policy(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  auto update = policy_update(cfg);
  if (!update) return report_failure(err, update.error());
  if (auto valid = db::validate(*update); !valid) return report_failure(err, valid.error());
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  SystemClock clock;
  auto view = db::transact(
      **pool, "tenant.set-policy", [&](pqxx::dbtransaction& tx) -> Result<db::KeySetView> {
        SIGIL_TRY_VOID(db::set_tenant_policy(tx, name, *update, audit_actor(), clock.now()));
        return db::KeySetStore(tx, audit_actor()).read(name);
      });
  if (!view) return report_failure(err, view.error());
  print_tenant(cfg, *view, out);
  return 0;
}

}  // namespace

int run_tenant(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (args.size() == 2 && args[0] == "create") return create(cfg, args[1], out, err);
  if (args.size() == 1 && args[0] == "list") return list(cfg, out, err);
  if (args.size() == 2 && args[0] == "show") return show(cfg, args[1], out, err);
  if (args.size() == 2 && args[0] == "set-policy") return set_policy(cfg, args[1], out, err);
  std::fprintf(err,
               "sigilctl: usage: sigilctl tenant create NAME | list | show NAME | set-policy NAME "
               "[--max-hok-lifetime-s N] ... (see sigilctl tenant --help)\n");
  return 2;
}

}  // namespace sigil::ctl
