#include "tenant.hpp"

#include "local_db.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"
#include "sts/keys/tenant_keys.hpp"

namespace sigil::ctl {
namespace {

constexpr std::chrono::hours kSigningKeyValidity{24 * 3653};

Result<crypto::MasterKey> master_key(const SigilctlConfig& cfg) {
  std::filesystem::path path = cfg.data.master_key_file.empty()
                                   ? std::filesystem::path(cfg.data.home) / "master.key"
                                   : std::filesystem::path(cfg.data.master_key_file);
  auto key = crypto::load_master_key(path);
  if (!key) {
    return fail(key.error().code,
                "cannot load the master key " + path.string() + ": " + key.error().message);
  }
  return key;
}

int create(const SigilctlConfig& cfg, const std::string& name, std::FILE* out, std::FILE* err) {
  auto mk = master_key(cfg);
  if (!mk) return report_failure(err, mk.error());
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  SystemClock clock;
  auto key_id = db::transact(**pool, "tenant.create", [&](pqxx::dbtransaction& tx) -> Result<std::string> {
    SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).create(name));
    return sts::keys::create_self_signed_signing_key(tx, row.id, row.name, *mk,
                                                     crypto::KeyType::kRsa2048, clock,
                                                     kSigningKeyValidity);
  });
  if (!key_id) return report_failure(err, key_id.error());
  if (cfg.json) {
    std::fprintf(out, "{\"tenant\":\"%s\",\"signing_key_id\":\"%s\"}\n", name.c_str(),
                 key_id->c_str());
  } else {
    std::fprintf(out, "created tenant %s with signing key %s\n", name.c_str(), key_id->c_str());
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

}  // namespace

int run_tenant(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (args.size() == 2 && args[0] == "create") return create(cfg, args[1], out, err);
  if (args.size() == 1 && args[0] == "list") return list(cfg, out, err);
  std::fprintf(err, "sigilctl: usage: sigilctl tenant create NAME | tenant list\n");
  return 2;
}

}  // namespace sigil::ctl
