#include "certmgr/admin/views.hpp"

#include <boost/json.hpp>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::certmgr::admin {

namespace json = boost::json;

json::value time_json(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return json::string(format_rfc3339(*t));
}

Result<json::object> key_json(const db::SigningKeyRow& k, bool with_pem) {
  SIGIL_TRY(std::vector<crypto::X509Ptr> certs,
            crypto::parse_certificate_bundle(k.certificate_chain_pem));
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(certs.front().get()));
  json::object o{{"key_id", k.key_id},
                 {"state", db::state_name(k.state)},
                 {"source", db::source_name(k.source)},
                 {"algorithm", k.algorithm},
                 {"subject", info.subject},
                 {"issuer", info.issuer},
                 {"serial", info.serial_hex},
                 {"key", info.key_description},
                 {"certificate_sha256", k.certificate_sha256},
                 {"sha256_fingerprint", info.sha256_fingerprint},
                 {"sha1_fingerprint", info.sha1_fingerprint},
                 {"not_before", format_rfc3339(k.not_before)},
                 {"not_after", format_rfc3339(k.not_after)},
                 {"created_at", format_rfc3339(k.created_at)},
                 {"chain_length", certs.size()}};
  o["activated_at"] = time_json(k.activated_at);
  o["deactivated_at"] = time_json(k.deactivated_at);
  o["verify_until"] = time_json(k.verify_until);
  o["retired_at"] = time_json(k.retired_at);
  if (with_pem) o["pem"] = k.certificate_chain_pem;
  return o;
}

json::object change_json(const db::KeySetChange& c) {
  json::object o{{"tenant", c.tenant}, {"keyset_generation", c.generation}};
  o["added_key_id"] = c.added ? json::value(c.added->key_id) : nullptr;
  o["activated_key_id"] = c.activated ? json::value(*c.activated) : nullptr;
  o["verify_only_key_id"] = c.deactivated ? json::value(*c.deactivated) : nullptr;
  o["verify_until"] = time_json(c.deactivated_verify_until);
  json::array retired;
  for (const auto& k : c.retired) retired.push_back(json::string(k));
  o["retired_key_ids"] = std::move(retired);
  return o;
}

json::object alarm_json(const db::AlarmRow& a) {
  json::object o{{"id", a.id},
                 {"tenant", a.tenant},
                 {"kind", a.kind},
                 {"subject", a.subject},
                 {"severity", a.severity},
                 {"message", a.message},
                 {"first_raised_at", format_rfc3339(a.first_raised_at)},
                 {"last_raised_at", format_rfc3339(a.last_raised_at)}};
  o["last_notified_at"] = time_json(a.last_notified_at);
  o["cleared_at"] = time_json(a.cleared_at);
  return o;
}

json::object audit_json(const db::AuditRow& r) {
  auto opt = [](const std::optional<std::string>& s) -> json::value {
    return s ? json::value(*s) : json::value(nullptr);
  };
  auto parsed = [](const std::optional<std::string>& s) -> json::value {
    if (!s) return nullptr;
    std::error_code ec;
    json::value v = json::parse(*s, ec);
    return ec ? json::value(*s) : v;
  };
  return json::object{{"id", r.id},
                      {"at", format_rfc3339(r.at)},
                      {"actor", r.entry.actor},
                      {"action", r.entry.action},
                      {"tenant", opt(r.entry.tenant)},
                      {"target", opt(r.entry.target)},
                      {"old_value", parsed(r.entry.old_value)},
                      {"new_value", parsed(r.entry.new_value)},
                      {"detail", opt(r.entry.detail)}};
}

}  // namespace sigil::certmgr::admin
