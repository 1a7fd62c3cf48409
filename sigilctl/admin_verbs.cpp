#include "admin_verbs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "local_db.hpp"
#include "output_file.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;

// "a=b&c=d" with the values percent-encoded where needed.
std::string encode(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}


int alarms_list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  std::string query;
  if (!cfg.at.empty()) query = "at=" + encode(cfg.at);
  if (cfg.include_cleared) query += std::string(query.empty() ? "" : "&") + "include_cleared=true";
  auto r = admin_request(cfg, verb::get, "/alarms", std::nullopt, query);
  if (!r) return report_failure(err, r.error());
  if (cfg.json) {
    print(out, json::serialize(*r) + "\n");
    return 0;
  }
  std::fprintf(out, "%-14s %-28s %-20s %-9s %-20s %-20s %s\n", "TENANT", "KIND", "SUBJECT",
               "SEVERITY", "FIRST RAISED", "LAST NOTIFIED", "CLEARED");
  for (const auto& a : r->at("alarms").as_array()) {
    std::string tenant = text_of(a, "tenant");
    if (tenant.empty()) tenant = "-";
    std::fprintf(out, "%-14s %-28s %-20s %-9s %-20s %-20s %s\n", tenant.c_str(),
                 text_of(a, "kind").c_str(), text_of(a, "subject").c_str(),
                 text_of(a, "severity").c_str(), text_of(a, "first_raised_at").c_str(),
                 text_of(a, "last_notified_at").c_str(), text_of(a, "cleared_at").c_str());
  }
  return 0;
}

int run_once(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  json::object body{{"dry_run", cfg.dry_run}};
  if (!cfg.at.empty()) body["at"] = cfg.at;
  auto r = admin_request(cfg, verb::post, "/run-once", body);
  if (!r) return report_failure(err, r.error());
  const std::int64_t failures = r->at("failures").to_number<std::int64_t>();
  if (cfg.json) {
    print(out, json::serialize(*r) + "\n");
    return failures == 0 ? 0 : 1;
  }
  const auto& events = r->at("events").as_array();
  std::fprintf(out, "%s as of %s: %zu event(s), %lld failure(s)\n",
               r->at("dry_run").as_bool() ? "dry run" : "pass", text_of(*r, "at").c_str(),
               events.size(), static_cast<long long>(failures));
  for (const auto& e : events) {
    std::string tenant = text_of(e, "tenant");
    if (tenant.empty()) tenant = "-";
    std::fprintf(out, "  %s  %s  %s  %s\n", tenant.c_str(), text_of(e, "action").c_str(),
                 text_of(e, "subject").c_str(), text_of(e, "detail").c_str());
  }
  return failures == 0 ? 0 : 1;
}

int audit_list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto r = admin_request(cfg, verb::get, "/audit-log", std::nullopt,
                         "limit=" + std::to_string(cfg.limit));
  if (!r) return report_failure(err, r.error());
  if (cfg.json) {
    print(out, json::serialize(*r) + "\n");
    return 0;
  }
  std::fprintf(out, "%-20s %-40s %-24s %s\n", "AT", "ACTOR", "ACTION", "TARGET");
  for (const auto& e : r->at("entries").as_array()) {
    std::fprintf(out, "%-20s %-40s %-24s %s\n", text_of(e, "at").c_str(),
                 text_of(e, "actor").c_str(), text_of(e, "action").c_str(),
                 text_of(e, "target").c_str());
  }
  return 0;
}

int admin_cert_create(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.out_cert_file.empty() || cfg.out_key_file.empty()) {
    std::fprintf(err, "sigilctl: admin-cert create needs --out-cert FILE and --out-key FILE\n");
    return 2;
  }
  auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  if (!key) return report_failure(err, key.error());
  const TimePoint now = SystemClock().now();
  crypto::CertRequest req;
  req.subject.common_name = cfg.admin_name;
  req.subject.organization = "Sigil admin";
  req.subject_key = key->get();
  req.issuer_key = key->get();
  req.not_before = now - std::chrono::minutes(10);
  req.not_after = now + std::chrono::hours(24 * (cfg.validity_days > 0 ? cfg.validity_days : 730));
  req.key_usage.digital_signature = true;
  crypto::ExtendedKeyUsage eku;
  eku.client_auth = true;
  req.extended_key_usage = eku;
  auto cert = crypto::issue_certificate(req);
  if (!cert) return report_failure(err, cert.error());
  auto pem = crypto::write_certificate_pem(cert->get());
  auto der = crypto::write_certificate_der(cert->get());
  auto key_pem = crypto::write_private_key_pem(key->get());
  if (!pem || !der || !key_pem) {
    return report_failure(err, make_error(Errc::kInternal, "cannot encode the new certificate"));
  }
  const std::string sha = crypto::hex_encode(crypto::sha256(*der));
  auto pool = open_database(cfg);
  if (!pool) return report_failure(err, pool.error());
  // Files first (O_EXCL), so a failure to register leaves nothing registered.
  if (auto w = write_new_file(cfg.out_key_file, key_pem->view(), 0600); !w) {
    return report_failure(err, w.error());
  }
  if (auto w = write_new_file(cfg.out_cert_file, *pem, 0644); !w) {
    ::unlink(cfg.out_key_file.c_str());
    return report_failure(err, w.error());
  }
  auto row = db::transact(**pool, "admin-cert.create",
                          [&](pqxx::dbtransaction& tx) -> Result<db::SolutionUserRow> {
                            SIGIL_TRY(db::TenantRow t, db::TenantStore(tx).find(cfg.tenant));
                            return db::SolutionUserStore(tx).create(t.id, cfg.admin_name, *pem, sha,
                                                                    {"Administrators"});
                          });
  if (!row) {
    ::unlink(cfg.out_key_file.c_str());
    ::unlink(cfg.out_cert_file.c_str());
    return report_failure(err, row.error());
  }
  if (cfg.json) {
    print(out, json::serialize(json::object{{"tenant", cfg.tenant},
                                            {"name", cfg.admin_name},
                                            {"group", "Administrators"},
                                            {"certificate_sha256", sha},
                                            {"cert_file", cfg.out_cert_file},
                                            {"key_file", cfg.out_key_file}}) +
                   "\n");
    return 0;
  }
  std::fprintf(out,
               "admin certificate %s (sha256 %s) registered as solution user %s in %s\\"
               "Administrators\nuse: sigilctl --client-cert %s --client-key %s ...\n",
               cfg.out_cert_file.c_str(), sha.c_str(), cfg.admin_name.c_str(), cfg.tenant.c_str(),
               cfg.out_cert_file.c_str(), cfg.out_key_file.c_str());
  return 0;
}

}  // namespace

int run_alarms(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (args.size() == 1 && args[0] == "list") return alarms_list(cfg, out, err);
  std::fprintf(err, "sigilctl: usage: sigilctl alarms list [--at RFC3339] [--all]\n");
  return 2;
}

int run_certmgr(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                std::FILE* err) {
  if (args.size() == 1 && args[0] == "run-once") return run_once(cfg, out, err);
  std::fprintf(err, "sigilctl: usage: sigilctl certmgr run-once [--at RFC3339] [--dry-run]\n");
  return 2;
}

int run_audit(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
              std::FILE* err) {
  if (args.size() == 1 && args[0] == "list") return audit_list(cfg, out, err);
  std::fprintf(err, "sigilctl: usage: sigilctl audit list [--limit N]\n");
  return 2;
}

int run_admin_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                   std::FILE* err) {
  if (args.size() == 1 && args[0] == "create") return admin_cert_create(cfg, out, err);
  std::fprintf(err, "sigilctl: usage: sigilctl admin-cert create --out-cert F --out-key F\n");
  return 2;
}

}  // namespace sigil::ctl
