#include "tenant.hpp"

#include <map>
#include <vector>

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
#include "sigil/ca/builtin_ca.hpp"

namespace sigil::ctl {
namespace {

constexpr std::chrono::hours kSigningKeyValidity{24 * 3653};

int create(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  std::string hostname;
  if (!cfg.hostname.empty()) {
    auto h = db::normalize_tenant_hostname(cfg.hostname);
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
          auto added = db::TenantStore(tx).add_hostname(row.name, hostname, audit_actor());
          if (!added) {
            Error e = std::move(added).error();
            if (e.code == Errc::kConflict) e.message += "; nothing created";
            return unexpected(std::move(e));
          }
        }
        SIGIL_TRY(db::NewSigningKey key,
                  ca::new_signing_key(tx, *mk, clock, ca::CaOptions{}, row.name,
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

struct TenantList {
  std::vector<db::TenantRow> tenants;
  std::vector<db::TenantHostnameRow> hostnames;
};

// "a.example.com,b.example.com", or "-".
std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
  return s.empty() ? "-" : s;
}

int list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  auto rows =
      db::transact(**pool, "tenant.list", [](pqxx::dbtransaction& tx) -> Result<TenantList> {
        TenantList l;
        SIGIL_TRY(l.tenants, db::TenantStore(tx).list());
        SIGIL_TRY(l.hostnames, db::TenantStore(tx).all_hostnames());
        return l;
      });
  if (!rows) return report_failure(err, rows.error());
  std::map<std::string, std::vector<std::string>> hostnames;  // tenant -> its hostnames
  for (const auto& h : rows->hostnames) hostnames[h.tenant].push_back(h.hostname);
  if (!cfg.json) std::fprintf(out, "%-32s %-25s %s\n", "TENANT", "CREATED", "HOSTNAMES");
  boost::json::array json;
  for (const auto& t : rows->tenants) {
    const std::vector<std::string>& names = hostnames[t.name];
    if (cfg.json) {
      boost::json::array hs(names.begin(), names.end());
      json.push_back(boost::json::object{{"name", t.name},
                                         {"created_at", format_rfc3339(t.created_at)},
                                         {"hostnames", std::move(hs)}});
    } else {
      std::fprintf(out, "%-32s %-25s %s\n", t.name.c_str(), format_rfc3339(t.created_at).c_str(),
                   joined(names).c_str());
    }
  }
  if (cfg.json) print(out, boost::json::serialize(json) + "\n");
  return 0;
}

boost::json::object policy_json(const db::TenantRow& t) {
  boost::json::object o;
  for (const auto& [column, value] : db::policy_values(t)) o[column] = value;
  return o;
}

void print_tenant(const SigilctlConfig& cfg, const db::KeySetView& v,
                  const std::vector<std::string>& hostnames, std::FILE* out) {
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
                          {"hostnames", boost::json::array(hostnames.begin(), hostnames.end())},
                          {"policy", policy_json(t)}};
    print(out, boost::json::serialize(o) + "\n");
    return;
  }
  std::fprintf(out, "%-22s %s\n", "tenant", t.name.c_str());
  std::fprintf(out, "%-22s %s\n", "created", format_rfc3339(t.created_at).c_str());
  std::fprintf(out, "%-22s %s\n", "hostnames", joined(hostnames).c_str());
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

struct TenantView {
  db::KeySetView keys;
  std::vector<std::string> hostnames;
};

Result<TenantView> read_tenant(pqxx::dbtransaction& tx, const std::string& name) {
  TenantView v;
  SIGIL_TRY(v.keys, db::KeySetStore(tx, audit_actor()).read(name));
  SIGIL_TRY(v.hostnames, db::TenantStore(tx).hostnames(name));
  return v;
}

int show(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  auto view = db::transact(**pool, "tenant.show",
                           [&](pqxx::dbtransaction& tx) { return read_tenant(tx, name); });
  if (!view) return report_failure(err, view.error());
  print_tenant(cfg, view->keys, view->hostnames, out);
  return 0;
}

// `tenant hostname add|remove FQDN` for --tenant.
int hostname_verb(const SigilctlConfig& cfg, const std::string& verb, const std::string& given,
                  std::FILE* out, std::FILE* err) {
  auto host = db::normalize_tenant_hostname(given);
  if (!host) return report_failure(err, host.error());
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  const bool add = verb == "add";
  auto changed = db::transact(
      **pool, add ? "tenant.hostname.add" : "tenant.hostname.remove",
      [&](pqxx::dbtransaction& tx) -> Result<bool> {
        db::TenantStore store(tx);
        if (add) return store.add_hostname(cfg.tenant, *host, audit_actor());
        SIGIL_TRY_VOID(store.remove_hostname(cfg.tenant, *host, audit_actor()));
        return true;
      });
  if (!changed) return report_failure(err, changed.error());
  if (cfg.json) {
    boost::json::object o{{"tenant", cfg.tenant},
                          {"hostname", *host},
                          {"action", add ? "added" : "removed"},
                          {"changed", *changed}};
    print(out, boost::json::serialize(o) + "\n");
  } else if (!add) {
    std::fprintf(out, "removed hostname %s from tenant %s\n", host->c_str(), cfg.tenant.c_str());
  } else if (*changed) {
    std::fprintf(out, "added hostname %s to tenant %s\n", host->c_str(), cfg.tenant.c_str());
  } else {
    std::fprintf(out, "tenant %s already has hostname %s\n", cfg.tenant.c_str(), host->c_str());
  }
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
      **pool, "tenant.set-policy", [&](pqxx::dbtransaction& tx) -> Result<TenantView> {
        SIGIL_TRY_VOID(db::set_tenant_policy(tx, name, *update, audit_actor(), clock.now()));
        return read_tenant(tx, name);
      });
  if (!view) return report_failure(err, view.error());
  print_tenant(cfg, view->keys, view->hostnames, out);
  return 0;
}

}  // namespace

int run_tenant(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (args.size() == 2 && args[0] == "create") return create(cfg, args[1], out, err);
  if (args.size() == 1 && args[0] == "list") return list(cfg, out, err);
  if (args.size() == 2 && args[0] == "show") return show(cfg, args[1], out, err);
  if (args.size() == 2 && args[0] == "set-policy") return set_policy(cfg, args[1], out, err);
  if (args.size() == 3 && args[0] == "hostname" && (args[1] == "add" || args[1] == "remove")) {
    return hostname_verb(cfg, args[1], args[2], out, err);
  }
  std::fprintf(err,
               "sigilctl: usage: sigilctl tenant create NAME | list | show NAME | set-policy NAME "
               "[--max-hok-lifetime-s N] ... | hostname add|remove FQDN [--tenant NAME] (see "
               "sigilctl tenant --help)\n");
  return 2;
}

}  // namespace sigil::ctl
