// `sigilctl signing-cert import`: checks (sigil/keys/import_check.hpp), then one KeySetStore
// transaction. A rejected import, or one with warnings and no --force, changes nothing.

#include <boost/json.hpp>

#include "local_db.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/keys/import_check.hpp"
#include "signing_cert.hpp"
#include "sigil/keys/sealed_key.hpp"

namespace sigil::ctl {
namespace {

struct Inputs {
  std::string cert;
  std::string key;
  std::optional<std::string> chain;
};

Result<Inputs> read_inputs(const SigilctlConfig& cfg) {
  if (cfg.cert_file.empty() || cfg.key_file.empty()) {
    return fail(Errc::kInvalidArgument, "signing-cert import needs --cert FILE and --key FILE");
  }
  Inputs in;
  SIGIL_TRY(in.cert, read_text_file(cfg.cert_file));
  SIGIL_TRY(in.key, read_text_file(cfg.key_file));
  if (!cfg.chain_file.empty()) {
    SIGIL_TRY(in.chain, read_text_file(cfg.chain_file));
  }
  return in;
}

// The row to store: leaf first, then the chain as given; the key sealed for its tenant row.
Result<db::NewSigningKey> new_key(const keys::ImportReport& r, const std::string& tenant,
                                  const crypto::MasterKey& mk) {
  db::NewSigningKey key;
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(r.certificate.get()));
  key.certificate_sha256 = crypto::hex_encode(crypto::sha256(der));
  key.key_id = "sk-" + key.certificate_sha256.substr(0, 16);
  key.source = db::SigningKeySource::kThirdParty;
  key.algorithm = crypto::describe(r.key.get()).algorithm == crypto::KeyAlgorithm::kEc
                      ? "ecdsa-sha256"
                      : "rsa-sha256";
  SIGIL_TRY(key.certificate_chain_pem, crypto::write_certificate_pem(r.certificate.get()));
  for (const auto& c : r.chain) {
    SIGIL_TRY(std::string pem, crypto::write_certificate_pem(c.get()));
    key.certificate_chain_pem += pem;
  }
  SIGIL_TRY(
      key.private_key_ciphertext,
      crypto::seal_private_key(mk, r.key.get(), keys::signing_key_aad(tenant, key.key_id)));
  key.master_key_id = mk.id();
  key.not_before = r.info->not_before;
  key.not_after = r.info->not_after;
  return key;
}

void print_checks(const SigilctlConfig& cfg, const keys::ImportReport& r, std::string_view outcome,
                  const std::string& detail, std::FILE* out) {
  if (cfg.json) {
    boost::json::array checks;
    for (const auto& c : r.checks) {
      checks.push_back(
          {{"name", c.name}, {"status", keys::status_name(c.status)}, {"message", c.message}});
    }
    boost::json::object root{{"tenant", cfg.tenant},
                             {"outcome", outcome},
                             {"detail", detail},
                             {"dry_run", cfg.dry_run},
                             {"checks", std::move(checks)}};
    print(out, boost::json::serialize(root) + "\n");
    return;
  }
  for (const auto& c : r.checks) {
    std::fprintf(out, "%-5s %-16s %s\n", std::string(keys::status_name(c.status)).c_str(),
                 c.name.c_str(), c.message.c_str());
  }
  std::fprintf(out, "%s: %s\n", std::string(outcome).c_str(), detail.c_str());
}

Result<db::KeySetChange> store(const SigilctlConfig& cfg, const keys::ImportReport& report,
                               const crypto::MasterKey& mk, TimePoint now) {
  SIGIL_TRY(auto pool, open_database(cfg));
  return db::transact(*pool, "signing-cert.import",
                      [&](pqxx::dbtransaction& tx) -> Result<db::KeySetChange> {
                        SIGIL_TRY(db::TenantRow tenant, db::TenantStore(tx).find(cfg.tenant));
                        SIGIL_TRY(db::NewSigningKey key, new_key(report, tenant.name, mk));
                        return db::KeySetStore(tx, audit_actor())
                            .import(tenant.name, std::move(key), cfg.activate, now);
                      });
}

}  // namespace

int run_signing_cert_import(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto in = read_inputs(cfg);
  if (!in) return report_failure(err, in.error());
  const TimePoint now = SystemClock().now();
  keys::ImportInput input;
  input.certificate_pem = in->cert;
  input.private_key_pem = in->key;
  if (in->chain) input.chain_pem = *in->chain;
  const keys::ImportReport report = keys::check_import(input, now);
  if (report.rejected()) {
    print_checks(cfg, report, "rejected", "a check failed; nothing changed", out);
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "import rejected: a check failed; nothing changed"));
  }
  if (report.needs_force() && !cfg.force) {
    print_checks(cfg, report, "needs-force", "a check warned; use --force; nothing changed", out);
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "import needs --force: a check warned; nothing changed"));
  }
  if (cfg.dry_run) {
    print_checks(cfg, report, "dry-run",
                 std::string("checks passed; would add the key as ") +
                     (cfg.activate ? "active" : "pending") + "; nothing changed",
                 out);
    return 0;
  }
  auto mk = load_master_key(cfg);
  if (!mk) return report_failure(err, mk.error());
  auto change = store(cfg, report, *mk, now);
  if (!change) {
    print_checks(cfg, report, "failed", change.error().message + "; nothing changed", out);
    return report_failure(err, change.error());
  }
  const std::string added = change->added ? change->added->key_id : std::string("the key");
  std::string detail = "imported " + added + " as " + (change->activated ? "active" : "pending");
  if (change->deactivated) {
    detail += "; " + *change->deactivated + " is verify-only until " +
              format_rfc3339(change->deactivated_verify_until.value_or(now));
  }
  print_checks(cfg, report, "imported", detail, out);
  return 0;
}

}  // namespace sigil::ctl
