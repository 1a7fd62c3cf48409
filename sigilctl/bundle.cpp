#include "bundle.hpp"

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "local_db.hpp"
#include "output_file.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;


std::int64_t count_of(const json::value& v, std::string_view object, std::string_view key) {
  if (!v.is_object()) return 0;
  const json::value* o = v.as_object().if_contains(object);
  if (o == nullptr || !o->is_object()) return 0;
  const json::value* n = o->as_object().if_contains(key);
  return n != nullptr && n->is_int64() ? n->as_int64() : 0;
}

bool flag_of(const json::value& v, std::string_view key) {
  const json::value* b = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return b != nullptr && b->is_bool() && b->as_bool();
}

int export_bundle(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.out_file.empty()) {
    return report_failure(err,
                          make_error(Errc::kInvalidArgument, "bundle export needs --out FILE"));
  }
  if (::access(cfg.out_file.c_str(), F_OK) == 0) {
    return report_failure(
        err, make_error(Errc::kInvalidArgument, cfg.out_file + " exists; not overwriting it"));
  }
  auto v = admin_request(cfg, verb::post, "/bundle/export",
                         json::object{{"include_secrets", cfg.include_secrets}});
  if (!v) return report_failure(err, v.error());
  const std::string file = text_of(*v, "bundle");
  if (file == "-")
    return report_failure(err, make_error(Errc::kUnavailable, "certmgr sent no bundle"));
  if (auto w = write_new_file(cfg.out_file, file, 0600); !w) return report_failure(err, w.error());
  if (cfg.json) {
    json::object o = v->as_object();
    o.erase("bundle");
    o["file"] = cfg.out_file;
    print(out, json::serialize(o) + "\n");
    return 0;
  }
  const json::value& signer = v->at("signer");
  std::fprintf(out,
               "exported tenant %s (%s users, %s solution users, %s hostnames%s) to %s\n"
               "signed by %s (SHA-256 %s)\n",
               text_of(*v, "tenant").c_str(), text_of(*v, "users").c_str(),
               text_of(*v, "solution_users").c_str(), text_of(*v, "hostnames").c_str(),
               cfg.include_secrets ? "; WITH password hashes: keep the file secret" : "",
               cfg.out_file.c_str(), text_of(signer, "subject").c_str(),
               text_of(signer, "sha256_fingerprint").c_str());
  return 0;
}

void print_counts(std::FILE* out, const json::value& v, const char* label, const char* key) {
  std::fprintf(out, "  %-15s %lld created, %lld updated, %lld unchanged\n", label,
               static_cast<long long>(count_of(v, key, "created")),
               static_cast<long long>(count_of(v, key, "updated")),
               static_cast<long long>(count_of(v, key, "unchanged")));
}

int import_bundle(const SigilctlConfig& cfg, const std::string& path, std::FILE* out,
                  std::FILE* err) {
  auto text = read_text_file(path);
  if (!text) return report_failure(err, text.error());
  auto v = admin_request(
      cfg, verb::post, "/bundle/import",
      json::object{{"bundle", *text}, {"trust", cfg.trust}, {"dry_run", cfg.dry_run}});
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  const json::value& signer = v->at("signer");
  std::fprintf(out, "%s tenant %s from %s (exported %s by %s)\n",
               cfg.dry_run ? "dry run, nothing changed: would import" : "imported",
               text_of(*v, "tenant").c_str(), text_of(*v, "source_deployment").c_str(),
               text_of(*v, "exported_at").c_str(), text_of(*v, "exported_by").c_str());
  std::fprintf(out, "  %-15s %s (SHA-256 %s), %s\n", "signer", text_of(signer, "subject").c_str(),
               text_of(signer, "sha256_fingerprint").c_str(), text_of(signer, "trust").c_str());
  std::fprintf(out, "  %-15s %s\n", "tenant",
               flag_of(*v, "tenant_created")
                   ? ("created, signing key " + text_of(*v, "signing_key_id")).c_str()
                   : "existed");
  std::fprintf(out, "  %-15s %s\n", "policy",
               flag_of(*v, "policy_changed") ? "changed" : "unchanged");
  print_counts(out, *v, "hostnames", "hostnames");
  print_counts(out, *v, "users", "users");
  const std::int64_t no_password = count_of(*v, "users", "created_without_password");
  if (no_password > 0) {
    std::fprintf(out, "  %-15s %lld created disabled without a password (set one to enable)\n", "",
                 static_cast<long long>(no_password));
  }
  print_counts(out, *v, "solution users", "solution_users");
  std::fprintf(out, "  note: %s\n", text_of(*v, "not_imported").c_str());
  return 0;
}

int trusted_list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto v = admin_request(cfg, verb::get, "/bundle/trusted-signers");
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  const json::value& own = v->at("own_certificate");
  std::fprintf(out, "own: %s (SHA-256 %s)\n", text_of(own, "subject").c_str(),
               text_of(own, "sha256_fingerprint").c_str());
  std::fprintf(out, "%-64s %-25s %-30s %s\n", "SHA256", "ADDED", "BY", "SUBJECT");
  for (const auto& s : v->at("trusted_signers").as_array()) {
    std::fprintf(out, "%-64s %-25s %-30s %s\n", text_of(s, "sha256").c_str(),
                 text_of(s, "added_at").c_str(), text_of(s, "added_by").c_str(),
                 text_of(s, "subject").c_str());
  }
  return 0;
}

}  // namespace

int run_bundle(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (args.size() == 1 && args[0] == "export") return export_bundle(cfg, out, err);
  if (args.size() == 2 && args[0] == "import") return import_bundle(cfg, args[1], out, err);
  if (args.size() == 2 && args[0] == "trusted" && args[1] == "list") {
    return trusted_list(cfg, out, err);
  }
  std::fprintf(err,
               "sigilctl: usage: sigilctl bundle export --out F [--include-secrets] | import F "
               "[--trust] [--dry-run] | trusted list (see sigilctl bundle --help)\n");
  return 2;
}

}  // namespace sigil::ctl
