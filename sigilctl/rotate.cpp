// `sigilctl rotate --dry-run`: what a rotation would do now and what removing each verifying
// key would strand (signing_cert.hpp).

#include <boost/json.hpp>

#include "local_db.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "signing_cert.hpp"

namespace sigil::ctl {
namespace {

struct Preview {
  db::KeySetView view;
  std::vector<db::IssuedTokenRow> tokens;
  TimePoint now;
};

Result<Preview> read_preview(const SigilctlConfig& cfg) {
  SIGIL_TRY(auto pool, open_database(cfg));
  SystemClock clock;
  return db::transact(*pool, "rotate.dry-run", [&](pqxx::dbtransaction& tx) -> Result<Preview> {
    Preview p;
    p.now = clock.now();
    SIGIL_TRY(p.view, db::KeySetStore(tx, audit_actor()).read(cfg.tenant));
    const auto tolerance = std::chrono::seconds(p.view.tenant.policy.clock_tolerance_s);
    SIGIL_TRY(p.tokens,
              db::SigningKeyStore(tx).list_issued_tokens(p.view.tenant.id, p.now - tolerance));
    return p;
  });
}

// The rotation plan for a fresh key activated now (the same rule refresh applies).
std::optional<keys::ActivationPlan> rotation_plan(std::vector<keys::KeyRecord> records,
                                                  const keys::RetentionPolicy& policy,
                                                  TimePoint now) {
  keys::KeyRecord fresh;
  fresh.key_id = "(new key)";
  fresh.not_before = now;
  fresh.not_after = now + std::chrono::hours(24 * 365);
  records.push_back(fresh);
  auto plan = keys::plan_activation(records, fresh.key_id, policy, now);
  if (!plan) return std::nullopt;
  return std::move(plan).value();
}

boost::json::value time_json(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::string(format_rfc3339(*t));
}

}  // namespace

int run_rotate(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err) {
  if (!args.empty() || !cfg.dry_run) {
    std::fprintf(err,
                 "sigilctl: rotate only previews: sigilctl rotate --dry-run (rotate with "
                 "sigilctl signing-cert refresh)\n");
    return 2;
  }
  auto p = read_preview(cfg);
  if (!p) return report_failure(err, p.error());
  const keys::RetentionPolicy policy = db::retention_policy_of(p->view.tenant);
  std::vector<keys::KeyRecord> records;
  std::vector<keys::IssuedToken> tokens;
  for (const auto& k : p->view.keys) records.push_back(db::key_record_of(k));
  for (const auto& t : p->tokens) tokens.push_back({t.token_id, t.key_id, t.not_on_or_after});
  const auto plan = rotation_plan(records, policy, p->now);
  const auto due = keys::due_for_retirement(records, p->now);

  boost::json::array impacts;
  std::string table;
  for (const keys::KeyRecord& r : records) {
    if (r.state != keys::KeyState::kActive && r.state != keys::KeyState::kVerifyOnly) continue;
    const keys::RemovalImpact impact = keys::plan_removal(r, policy, p->now, tokens);
    boost::json::array ids;
    for (const auto& t : impact.live_tokens) ids.push_back(boost::json::string(t.token_id));
    boost::json::object o{
        {"key_id", impact.key_id},           {"state", keys::state_name(impact.state)},
        {"safe_to_remove_now", impact.safe}, {"live_tokens", impact.live_tokens.size()},
        {"live_token_ids", std::move(ids)},  {"summary", impact.summary}};
    o["at_risk_until"] = time_json(impact.at_risk_until);
    impacts.push_back(std::move(o));
    char line[512];
    std::snprintf(line, sizeof line, "%-20s %-11s %-20s %-11zu %s\n", impact.key_id.c_str(),
                  std::string(keys::state_name(impact.state)).c_str(),
                  impact.at_risk_until ? format_rfc3339(*impact.at_risk_until).c_str() : "-",
                  impact.live_tokens.size(), impact.summary.c_str());
    table += line;
  }
  if (cfg.json) {
    boost::json::object root{{"tenant", p->view.tenant.name},
                             {"now", format_rfc3339(p->now)},
                             {"retention_period_s", keys::retention_period(policy).count()},
                             {"stranded_by_rotation", 0},
                             {"keys", std::move(impacts)}};
    root["verify_only_key_id"] =
        plan && plan->previous_key ? boost::json::value(*plan->previous_key) : nullptr;
    root["verify_until"] = time_json(plan ? plan->previous_verify_until : std::nullopt);
    boost::json::array due_json;
    for (const auto& k : due) due_json.push_back(boost::json::string(k));
    root["due_for_retirement"] = std::move(due_json);
    print(out, boost::json::serialize(root) + "\n");
    return 0;
  }
  std::fprintf(out, "tenant %s at %s (dry run: nothing changes)\n", p->view.tenant.name.c_str(),
               format_rfc3339(p->now).c_str());
  std::fprintf(out, "retention: a key verifies for %lld s after it stops signing\n",
               static_cast<long long>(keys::retention_period(policy).count()));
  if (plan && plan->previous_key) {
    std::fprintf(out, "a rotation now: %s becomes verify-only until %s; strands no token\n",
                 plan->previous_key->c_str(), format_rfc3339(*plan->previous_verify_until).c_str());
  } else {
    std::fprintf(out, "a rotation now: no active key to replace; strands no token\n");
  }
  for (const auto& k : due) std::fprintf(out, "due to retire now: %s\n", k.c_str());
  std::fprintf(out, "if removed now:\n%-20s %-11s %-20s %-11s %s\n", "KEY ID", "STATE",
               "AT RISK UNTIL", "LIVE TOKENS", "SUMMARY");
  print(out, table);
  return 0;
}

}  // namespace sigil::ctl
