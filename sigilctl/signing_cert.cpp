#include "signing_cert.hpp"

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "local_db.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;

int list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto view = admin_request(cfg, verb::get, "/signing-certs");
  if (!view) return report_failure(err, view.error());
  if (cfg.json) {
    print(out, json::serialize(*view) + "\n");
    return 0;
  }
  std::fprintf(out, "%-20s %-11s %-11s %-12s %-20s %-20s %s\n", "KEY ID", "STATE", "SOURCE",
               "ALGORITHM", "ACTIVATED", "NOT AFTER", "VERIFY UNTIL");
  for (const auto& k : view->at("keys").as_array()) {
    std::fprintf(out, "%-20s %-11s %-11s %-12s %-20s %-20s %s\n", text_of(k, "key_id").c_str(),
                 text_of(k, "state").c_str(), text_of(k, "source").c_str(),
                 text_of(k, "algorithm").c_str(), text_of(k, "activated_at").c_str(),
                 text_of(k, "not_after").c_str(), text_of(k, "verify_until").c_str());
  }
  return 0;
}

int show(const SigilctlConfig& cfg, const std::string* key_id, std::FILE* out, std::FILE* err) {
  auto key = admin_request(cfg, verb::get,
                           "/signing-certs/" + (key_id != nullptr ? *key_id : std::string("active")));
  if (!key) return report_failure(err, key.error());
  if (cfg.json) {
    print(out, json::serialize(*key) + "\n");
    return 0;
  }
  const std::pair<const char*, std::string> rows[] = {
      {"key id", text_of(*key, "key_id")},
      {"state", text_of(*key, "state")},
      {"source", text_of(*key, "source")},
      {"subject", text_of(*key, "subject")},
      {"issuer", text_of(*key, "issuer")},
      {"serial", text_of(*key, "serial")},
      {"key", text_of(*key, "key") + " (" + text_of(*key, "algorithm") + ")"},
      {"not before", text_of(*key, "not_before")},
      {"not after", text_of(*key, "not_after")},
      {"sha256", text_of(*key, "sha256_fingerprint")},
      {"sha1", text_of(*key, "sha1_fingerprint")},
      {"activated", text_of(*key, "activated_at")},
      {"deactivated", text_of(*key, "deactivated_at")},
      {"verify until", text_of(*key, "verify_until")},
      {"retired", text_of(*key, "retired_at")},
  };
  for (const auto& [label, value] : rows) std::fprintf(out, "%-13s %s\n", label, value.c_str());
  return 0;
}

void print_change(const SigilctlConfig& cfg, const json::value& c, std::FILE* out) {
  if (cfg.json) {
    print(out, json::serialize(c) + "\n");
    return;
  }
  const std::string activated = text_of(c, "activated_key_id");
  const std::string added = text_of(c, "added_key_id");
  if (added != "-" && activated == "-") std::fprintf(out, "%s\n", added.c_str());
  if (activated != "-") std::fprintf(out, "active: %s\n", activated.c_str());
  const std::string deactivated = text_of(c, "verify_only_key_id");
  if (deactivated != "-") {
    std::fprintf(out, "verify-only: %s until %s\n", deactivated.c_str(),
                 text_of(c, "verify_until").c_str());
  }
  for (const auto& k : c.at("retired_key_ids").as_array()) {
    std::fprintf(out, "retired: %s\n", std::string(k.as_string()).c_str());
  }
  if (activated != "-") {
    std::fprintf(out, "keyset generation: %s\n", text_of(c, "keyset_generation").c_str());
  }
}

json::object new_key_body(const SigilctlConfig& cfg) {
  json::object body;
  if (!cfg.key_type.empty()) body["key_type"] = cfg.key_type;
  if (cfg.validity_days > 0) body["validity_days"] = cfg.validity_days;
  return body;
}

int change(const SigilctlConfig& cfg, const std::string& path, const json::object& body,
           std::FILE* out, std::FILE* err) {
  auto c = admin_request(cfg, verb::post, path, body);
  if (!c) return report_failure(err, c.error());
  print_change(cfg, *c, out);
  return 0;
}

bool is_key_id(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

int run_signing_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                     std::FILE* err) {
  const std::string verb = args.empty() ? std::string() : args[0];
  if (args.size() == 2 && !is_key_id(args[1])) {
    std::fprintf(err, "sigilctl: not a key id: %s\n", args[1].c_str());
    return 2;
  }
  if (verb == "list" && args.size() == 1) return list(cfg, out, err);
  if (verb == "show" && args.size() <= 2) {
    return show(cfg, args.size() == 2 ? &args[1] : nullptr, out, err);
  }
  if (verb == "add" && args.size() == 1) {
    return change(cfg, "/signing-certs", new_key_body(cfg), out, err);
  }
  if (verb == "refresh" && args.size() == 1) {
    return change(cfg, "/signing-certs/refresh", new_key_body(cfg), out, err);
  }
  if (verb == "activate" && args.size() == 2) {
    return change(cfg, "/signing-certs/" + args[1] + "/activate", json::object(), out, err);
  }
  if (verb == "import" && args.size() == 1) return run_signing_cert_import(cfg, out, err);
  if (verb == "export-key" && args.size() <= 2) {
    return run_signing_cert_export(cfg, args.size() == 2 ? args[1] : std::string("active"), out,
                                   err);
  }
  std::fprintf(err,
               "sigilctl: usage: sigilctl signing-cert list | show [KEY_ID] | add | activate "
               "KEY_ID | refresh | import --cert F --key F | export-key --out F "
               "--passphrase-stdin (see sigilctl signing-cert --help)\n");
  return 2;
}

}  // namespace sigil::ctl
