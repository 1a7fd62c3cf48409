#include "user.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "local_db.hpp"
#include "sigil/base/ascii.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/password.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/login_failure_store.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/db/user_store.hpp"

namespace sigil::ctl {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// Runs fn(tx, tenant_id) in one transaction on --db.
template <class F>
auto in_tenant(const SigilctlConfig& cfg, std::string_view what, F&& fn)
    -> std::invoke_result_t<F&, pqxx::dbtransaction&, std::int64_t> {
  SIGIL_TRY(auto pool, open_database(cfg));
  return db::transact(*pool, what, [&](pqxx::dbtransaction& tx) {
    auto tenant = db::TenantStore(tx).find(cfg.tenant);
    using R = std::invoke_result_t<F&, pqxx::dbtransaction&, std::int64_t>;
    if (!tenant) return R(unexpected(std::move(tenant).error()));
    return fn(tx, tenant->id);
  });
}

int user_add(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  if (!cfg.password_stdin) {
    std::fprintf(err, "sigilctl: user add needs --password-stdin\n");
    return 2;
  }
  std::string password;
  std::getline(std::cin, password);
  if (password.empty()) return report_failure(err, make_error(Errc::kInvalidArgument, "empty password"));
  auto hash = crypto::hash_password(password);
  if (!hash) return report_failure(err, hash.error());
  db::NewUser user{name, *hash, cfg.groups, std::nullopt, std::nullopt};
  if (!cfg.first_name.empty()) user.first_name = cfg.first_name;
  if (!cfg.last_name.empty()) user.last_name = cfg.last_name;
  auto row = in_tenant(cfg, "user.add", [&](pqxx::dbtransaction& tx, std::int64_t tenant) {
    return db::UserStore(tx).create(tenant, user);
  });
  if (!row) return report_failure(err, row.error());
  std::fprintf(out, "added user %s to tenant %s\n", name.c_str(), cfg.tenant.c_str());
  return 0;
}

int user_list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto rows = in_tenant(cfg, "user.list", [](pqxx::dbtransaction& tx, std::int64_t tenant) {
    return db::UserStore(tx).list(tenant);
  });
  if (!rows) return report_failure(err, rows.error());
  boost::json::array json;
  if (!cfg.json) std::fprintf(out, "%-32s %-8s %s\n", "USER", "DISABLED", "GROUPS");
  for (const auto& u : *rows) {
    json.push_back({{"name", u.name}, {"disabled", u.disabled}, {"groups", join(u.groups)}});
    if (!cfg.json) {
      std::fprintf(out, "%-32s %-8s %s\n", u.name.c_str(), u.disabled ? "yes" : "no",
                   join(u.groups).c_str());
    }
  }
  if (cfg.json) std::fprintf(out, "%s\n", boost::json::serialize(json).c_str());
  return 0;
}

// Clears every source's failures and locks of the user, audited as user.unlock. The sts
// replicas read these rows on every login, so the unlock takes effect at once everywhere.
int user_unlock(const SigilctlConfig& cfg, const std::string& name, std::FILE* out,
                std::FILE* err) {
  auto cleared = in_tenant(
      cfg, "user.unlock", [&](pqxx::dbtransaction& tx, std::int64_t t) -> Result<std::int64_t> {
        SIGIL_TRY(std::optional<db::UserRow> user, db::UserStore(tx).find(t, name));
        if (!user) return fail(Errc::kNotFound, "no such user: " + name);
        SIGIL_TRY(std::int64_t sources, db::LoginFailureStore(tx).clear_user(user->id));
        db::AuditEntry entry;
        entry.actor = audit_actor();
        entry.action = "user.unlock";
        entry.tenant = cfg.tenant;
        entry.target = user->name;
        entry.new_value = boost::json::serialize(boost::json::object{{"sources_cleared", sources}});
        SIGIL_TRY_VOID(db::AuditLogStore(tx).append(entry));
        return sources;
      });
  if (!cleared) return report_failure(err, cleared.error());
  std::fprintf(out, "unlocked user %s (failed logins of %lld addresses cleared)\n", name.c_str(),
               static_cast<long long>(*cleared));
  return 0;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kInvalidArgument, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int solution_user_add(const SigilctlConfig& cfg, const std::string& name, std::FILE* out,
                      std::FILE* err) {
  if (cfg.cert_file.empty()) {
    std::fprintf(err, "sigilctl: solution-user add needs --cert FILE\n");
    return 2;
  }
  auto pem = read_file(cfg.cert_file);
  if (!pem) return report_failure(err, pem.error());
  auto cert = crypto::parse_certificate_pem(*pem);
  if (!cert) return report_failure(err, make_error(Errc::kInvalidArgument, cfg.cert_file + " is not a PEM certificate"));
  auto der = crypto::write_certificate_der(cert->get());
  if (!der) return report_failure(err, der.error());
  std::string sha = crypto::hex_encode(crypto::sha256(*der));
  std::string canonical = *crypto::write_certificate_pem(cert->get());
  auto row = in_tenant(cfg, "solution_user.add", [&](pqxx::dbtransaction& tx, std::int64_t t) {
    return db::SolutionUserStore(tx).create(t, name, canonical, sha, cfg.groups);
  });
  if (!row) return report_failure(err, row.error());
  std::fprintf(out, "added solution user %s to tenant %s (certificate sha256 %s)\n", name.c_str(),
               cfg.tenant.c_str(), sha.c_str());
  return 0;
}

int solution_user_list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto rows = in_tenant(cfg, "solution_user.list", [](pqxx::dbtransaction& tx, std::int64_t t) {
    return db::SolutionUserStore(tx).list(t);
  });
  if (!rows) return report_failure(err, rows.error());
  boost::json::array json;
  if (!cfg.json) std::fprintf(out, "%-32s %-64s %s\n", "SOLUTION USER", "CERTIFICATE SHA256", "GROUPS");
  for (const auto& u : *rows) {
    json.push_back({{"name", u.name}, {"certificate_sha256", u.certificate_sha256},
                    {"groups", join(u.groups)}});
    if (!cfg.json) {
      std::fprintf(out, "%-32s %-64s %s\n", u.name.c_str(), u.certificate_sha256.c_str(),
                   join(u.groups).c_str());
    }
  }
  if (cfg.json) std::fprintf(out, "%s\n", boost::json::serialize(json).c_str());
  return 0;
}

// `groups` with `group` added (if absent) or removed (if present), ASCII case ignored.
// kConflict when there is nothing to change, so that a typo does not pass silently.
Result<std::vector<std::string>> change_group(std::vector<std::string> groups,
                                              const std::string& group, bool add) {
  auto at = std::find_if(groups.begin(), groups.end(),
                         [&](const std::string& g) { return equal_ignoring_ascii_case(g, group); });
  if (add && at != groups.end()) return fail(Errc::kConflict, "already in group " + group);
  if (!add && at == groups.end()) return fail(Errc::kNotFound, "not in group " + group);
  if (add) {
    groups.push_back(group);
  } else {
    groups.erase(at);
  }
  return groups;
}

// `sigilctl user|solution-user group add|remove NAME GROUP`: one read-modify-write transaction.
template <class Store>
int group_change(const SigilctlConfig& cfg, std::string_view kind,
                 std::span<const std::string> args, std::FILE* out, std::FILE* err) {
  const bool add = args[1] == "add";
  const std::string& name = args[2];
  const std::string& group = args[3];
  auto r = in_tenant(cfg, "group.change", [&](pqxx::dbtransaction& tx, std::int64_t t) -> Result<void> {
    Store store(tx);
    SIGIL_TRY(auto row, store.find(t, name));
    if (!row) return fail(Errc::kNotFound, "no such " + std::string(kind) + " " + name);
    SIGIL_TRY(std::vector<std::string> groups, change_group(row->groups, group, add));
    return store.set_groups(t, row->name, groups);
  });
  if (!r) return report_failure(err, r.error());
  std::fprintf(out, "%s %s %s %s %s\n", add ? "added" : "removed", std::string(kind).c_str(),
               name.c_str(), add ? "to group" : "from group", group.c_str());
  return 0;
}

bool is_group_verb(std::span<const std::string> args) {
  return args.size() == 4 && args[0] == "group" && (args[1] == "add" || args[1] == "remove");
}

}  // namespace

int run_user(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
             std::FILE* err) {
  if (args.size() == 2 && args[0] == "add") return user_add(cfg, args[1], out, err);
  if (args.size() == 1 && args[0] == "list") return user_list(cfg, out, err);
  if (is_group_verb(args)) return group_change<db::UserStore>(cfg, "user", args, out, err);
  if (args.size() == 2 && args[0] == "unlock") return user_unlock(cfg, args[1], out, err);
  if (args.size() == 2 && args[0] == "remove") {
    auto r = in_tenant(cfg, "user.remove", [&](pqxx::dbtransaction& tx, std::int64_t t) {
      return db::UserStore(tx).remove(t, args[1]);
    });
    if (!r) return report_failure(err, r.error());
    std::fprintf(out, "removed user %s\n", args[1].c_str());
    return 0;
  }
  std::fprintf(err,
               "sigilctl: usage: sigilctl user add NAME --password-stdin | list | remove NAME | "
               "unlock NAME | group add|remove NAME GROUP\n");
  return 2;
}

int run_solution_user(const SigilctlConfig& cfg, std::span<const std::string> args,
                      std::FILE* out, std::FILE* err) {
  if (args.size() == 2 && args[0] == "add") return solution_user_add(cfg, args[1], out, err);
  if (args.size() == 1 && args[0] == "list") return solution_user_list(cfg, out, err);
  if (is_group_verb(args)) {
    return group_change<db::SolutionUserStore>(cfg, "solution user", args, out, err);
  }
  std::fprintf(err,
               "sigilctl: usage: sigilctl solution-user add NAME --cert FILE | list | "
               "group add|remove NAME GROUP\n");
  return 2;
}

}  // namespace sigil::ctl
