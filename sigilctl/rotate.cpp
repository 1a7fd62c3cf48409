// `sigilctl rotate --dry-run`: what a rotation would do now and what removing each verifying
// key would strand (GET .../rotation-preview of certmgr's admin API; signing_cert.hpp).

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "local_db.hpp"
#include "signing_cert.hpp"

namespace sigil::ctl {

namespace json = boost::json;

int run_rotate(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (!args.empty() || !cfg.dry_run) {
    std::fprintf(err,
                 "sigilctl: rotate only previews: sigilctl rotate --dry-run (rotate with "
                 "sigilctl signing-cert refresh)\n");
    return 2;
  }
  auto p = admin_request(cfg, boost::beast::http::verb::get, "/rotation-preview");
  if (!p) return report_failure(err, p.error());
  if (cfg.json) {
    print(out, json::serialize(*p) + "\n");
    return 0;
  }
  std::fprintf(out, "tenant %s at %s (dry run: nothing changes)\n", text_of(*p, "tenant").c_str(),
               text_of(*p, "now").c_str());
  std::fprintf(out, "retention: a key verifies for %s s after it stops signing\n",
               text_of(*p, "retention_period_s").c_str());
  if (text_of(*p, "verify_only_key_id") != "-") {
    std::fprintf(out, "a rotation now: %s becomes verify-only until %s; strands no token\n",
                 text_of(*p, "verify_only_key_id").c_str(), text_of(*p, "verify_until").c_str());
  } else {
    std::fprintf(out, "a rotation now: no active key to replace; strands no token\n");
  }
  for (const auto& k : p->at("due_for_retirement").as_array()) {
    std::fprintf(out, "due to retire now: %s\n", std::string(k.as_string()).c_str());
  }
  std::fprintf(out, "if removed now:\n%-20s %-11s %-20s %-11s %s\n", "KEY ID", "STATE",
               "AT RISK UNTIL", "LIVE TOKENS", "SUMMARY");
  for (const auto& k : p->at("keys").as_array()) {
    std::fprintf(out, "%-20s %-11s %-20s %-11s %s\n", text_of(k, "key_id").c_str(),
                 text_of(k, "state").c_str(), text_of(k, "at_risk_until").c_str(),
                 text_of(k, "live_tokens").c_str(), text_of(k, "summary").c_str());
  }
  return 0;
}

}  // namespace sigil::ctl
