// Signed configuration bundles: file format and payload (bundle_format.hpp).

#include "certmgr/bundle/bundle_format.hpp"

#include <algorithm>
#include <set>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "sigil/crypto/encoding.hpp"

namespace sigil::certmgr::bundle {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxPem = 64 * 1024;
constexpr std::size_t kMaxText = 1024;

// A SAX pass that refuses duplicate keys at any depth (the JSON RFC leaves their meaning open,
// and Boost.JSON's DOM silently keeps one), before the document is parsed into a DOM.
class DuplicateKeyHandler {
 public:
  static constexpr std::size_t max_array_size = 100000;
  static constexpr std::size_t max_object_size = 1000;
  static constexpr std::size_t max_string_size = kMaxBundleBytes;
  static constexpr std::size_t max_key_size = 256;

  std::string refusal;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    const bool fresh = keys_.back().insert(key_).second;
    if (!fresh) {
      refusal = "field '" + key_ + "' appears twice";
      ec = json::error::syntax;
    }
    key_.clear();
    return fresh;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::vector<std::set<std::string>> keys_;
  std::string key_;
};

std::string_view sv(json::string_view s) { return {s.data(), s.size()}; }

Error malformed(const std::string& what) { return make_error(Errc::kMalformedRequest, what); }

// Parses `text` as one JSON object (no duplicate keys, nothing after it). `what` names the
// document in messages ("the bundle file", "the payload").
Result<json::object> parse_object(std::string_view text, std::string_view what) {
  if (text.size() > kMaxBundleBytes) {
    return fail(Errc::kPayloadTooLarge, std::string(what) + " is larger than " +
                                            std::to_string(kMaxBundleBytes) + " bytes");
  }
  json::parse_options options;
  options.max_depth = 8;
  json::basic_parser<DuplicateKeyHandler> sax(options);
  json::error_code ec;
  const std::size_t used = sax.write_some(false, text.data(), text.size(), ec);
  if (!sax.handler().refusal.empty()) {
    return unexpected(malformed(std::string(what) + ": " + sax.handler().refusal));
  }
  if (ec || text.substr(used).find_first_not_of(" \t\r\n") != std::string_view::npos) {
    return unexpected(malformed(std::string(what) + " is not one valid JSON object (at byte " +
                                std::to_string(used) + ")"));
  }
  json::value v = json::parse(text, ec, {}, options);
  if (ec || !v.is_object()) {
    return unexpected(malformed(std::string(what) + " must be a JSON object"));
  }
  return std::move(v.as_object());
}

// Field access with the path of the field in every message.
class Fields {
 public:
  Fields(const json::object& o, std::string path) : o_(o), path_(std::move(path)) {}

  // Every key must be in `allowed`.
  Result<void> only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& kv : o_) {
      if (std::find(allowed.begin(), allowed.end(), sv(kv.key())) == allowed.end()) {
        return unexpected(malformed("unknown field '" + name(sv(kv.key())) + "'"));
      }
    }
    return {};
  }
  Result<const json::value*> required(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return unexpected(malformed("field '" + name(key) + "' is missing"));
    return v;
  }
  Result<std::string> string(std::string_view key, std::size_t max,
                             bool allow_empty = false) const {
    SIGIL_TRY(const json::value* v, required(key));
    return string_of(*v, name(key), max, allow_empty);
  }
  Result<std::optional<std::string>> optional_string(std::string_view key, std::size_t max) const {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::optional<std::string>();
    SIGIL_TRY(std::string s, string_of(*v, name(key), max, false));
    return std::optional<std::string>(std::move(s));
  }
  Result<bool> boolean(std::string_view key) const {
    SIGIL_TRY(const json::value* v, required(key));
    if (!v->is_bool()) return unexpected(malformed("field '" + name(key) + "' must be a boolean"));
    return v->as_bool();
  }
  Result<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const {
    SIGIL_TRY(const json::value* v, required(key));
    if (!v->is_int64() || v->as_int64() < min || v->as_int64() > max) {
      return unexpected(malformed("field '" + name(key) + "' must be an integer in " +
                                  std::to_string(min) + ".." + std::to_string(max)));
    }
    return v->as_int64();
  }
  Result<const json::array*> array(std::string_view key) const {
    SIGIL_TRY(const json::value* v, required(key));
    if (!v->is_array()) return unexpected(malformed("field '" + name(key) + "' must be an array"));
    return &v->as_array();
  }
  Result<const json::object*> object(std::string_view key) const {
    SIGIL_TRY(const json::value* v, required(key));
    if (!v->is_object()) {
      return unexpected(malformed("field '" + name(key) + "' must be an object"));
    }
    return &v->as_object();
  }
  Result<std::vector<std::string>> strings(std::string_view key, std::size_t max) const {
    SIGIL_TRY(const json::array* a, array(key));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      SIGIL_TRY(std::string s,
                string_of((*a)[i], name(key) + "[" + std::to_string(i) + "]", max, false));
      out.push_back(std::move(s));
    }
    return out;
  }
  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  static Result<std::string> string_of(const json::value& v, const std::string& name,
                                       std::size_t max, bool allow_empty) {
    if (!v.is_string()) return unexpected(malformed("field '" + name + "' must be a string"));
    const json::string& s = v.as_string();
    if ((s.empty() && !allow_empty) || s.size() > max) {
      return unexpected(malformed("field '" + name + "' must be a string of 1.." +
                                  std::to_string(max) + " bytes"));
    }
    return std::string(s);
  }

 private:
  const json::object& o_;
  std::string path_;
};

template <class T, class F>
Result<std::vector<T>> each_object(const Fields& f, std::string_view key, F parse_one) {
  SIGIL_TRY(const json::array* a, f.array(key));
  std::vector<T> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string path = f.name(key) + "[" + std::to_string(i) + "]";
    if (!(*a)[i].is_object()) return unexpected(malformed("'" + path + "' must be an object"));
    SIGIL_TRY(T item, parse_one(Fields((*a)[i].as_object(), path)));
    out.push_back(std::move(item));
  }
  return out;
}

Result<BundleUser> parse_user(const Fields& f) {
  SIGIL_TRY_VOID(
      f.only({"name", "groups", "first_name", "last_name", "disabled", "password_hash"}));
  BundleUser u;
  SIGIL_TRY(u.name, f.string("name", kMaxText));
  SIGIL_TRY(u.groups, f.strings("groups", kMaxText));
  SIGIL_TRY(u.first_name, f.optional_string("first_name", kMaxText));
  SIGIL_TRY(u.last_name, f.optional_string("last_name", kMaxText));
  SIGIL_TRY(u.disabled, f.boolean("disabled"));
  SIGIL_TRY(u.password_hash, f.optional_string("password_hash", kMaxText));
  return u;
}

Result<BundleSolutionUser> parse_solution_user(const Fields& f) {
  SIGIL_TRY_VOID(f.only({"name", "certificate_pem", "groups", "disabled"}));
  BundleSolutionUser u;
  SIGIL_TRY(u.name, f.string("name", kMaxText));
  SIGIL_TRY(u.certificate_pem, f.string("certificate_pem", kMaxPem));
  SIGIL_TRY(u.groups, f.strings("groups", kMaxText));
  SIGIL_TRY(u.disabled, f.boolean("disabled"));
  return u;
}

Result<db::TenantPolicyUpdate> parse_policy(const json::object& o, const std::string& path) {
  Fields f(o, path);
  for (const auto& kv : o) {
    const auto& fields = db::policy_fields();
    if (std::none_of(fields.begin(), fields.end(),
                     [&](const db::PolicyField& pf) { return pf.column == sv(kv.key()); })) {
      return unexpected(malformed("unknown field '" + f.name(sv(kv.key())) + "'"));
    }
  }
  db::TenantPolicyUpdate p;
  for (const db::PolicyField& pf : db::policy_fields()) {
    SIGIL_TRY(std::int64_t v, f.integer(pf.column, pf.min, pf.max));
    p.*pf.member = v;
  }
  return p;
}

json::array array_of(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

json::value optional_json(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

}  // namespace

std::string serialize_payload(const Payload& p) {
  json::object policy;
  for (const db::PolicyField& pf : db::policy_fields()) {
    policy[pf.column] = (p.policy.*pf.member).value_or(0);
  }
  json::array users;
  for (const BundleUser& u : p.users) {
    json::object o{{"name", u.name},
                   {"groups", array_of(u.groups)},
                   {"first_name", optional_json(u.first_name)},
                   {"last_name", optional_json(u.last_name)},
                   {"disabled", u.disabled}};
    if (u.password_hash) o["password_hash"] = *u.password_hash;
    users.push_back(std::move(o));
  }
  json::array solution_users;
  for (const BundleSolutionUser& u : p.solution_users) {
    solution_users.push_back(json::object{{"name", u.name},
                                          {"certificate_pem", u.certificate_pem},
                                          {"groups", array_of(u.groups)},
                                          {"disabled", u.disabled}});
  }
  json::object doc{{"tenant", p.tenant},
                   {"exported_at", p.exported_at},
                   {"exported_by", p.exported_by},
                   {"source_deployment", p.source_deployment},
                   {"policy", std::move(policy)},
                   {"hostnames", array_of(p.hostnames)},
                   {"users", std::move(users)},
                   {"solution_users", std::move(solution_users)},
                   {"certificates", json::object{{"signing", array_of(p.signing_certificates)},
                                                 {"ca", array_of(p.ca_certificates)}}}};
  return json::serialize(doc);
}

Result<Payload> parse_payload(std::string_view bytes) {
  SIGIL_TRY(json::object doc, parse_object(bytes, "the payload"));
  Fields f(doc, "payload");
  SIGIL_TRY_VOID(f.only({"tenant", "exported_at", "exported_by", "source_deployment", "policy",
                         "hostnames", "users", "solution_users", "certificates"}));
  Payload p;
  SIGIL_TRY(p.tenant, f.string("tenant", 253));
  SIGIL_TRY(p.exported_at, f.string("exported_at", 64));
  SIGIL_TRY(p.exported_by, f.string("exported_by", kMaxText));
  SIGIL_TRY(p.source_deployment, f.string("source_deployment", kMaxText, true));
  SIGIL_TRY(const json::object* policy, f.object("policy"));
  SIGIL_TRY(p.policy, parse_policy(*policy, f.name("policy")));
  SIGIL_TRY(p.hostnames, f.strings("hostnames", 253));
  SIGIL_TRY(p.users, each_object<BundleUser>(f, "users", parse_user));
  SIGIL_TRY(p.solution_users,
            each_object<BundleSolutionUser>(f, "solution_users", parse_solution_user));
  SIGIL_TRY(const json::object* certs, f.object("certificates"));
  Fields c(*certs, f.name("certificates"));
  SIGIL_TRY_VOID(c.only({"signing", "ca"}));
  SIGIL_TRY(p.signing_certificates, c.strings("signing", kMaxPem));
  SIGIL_TRY(p.ca_certificates, c.strings("ca", kMaxPem));
  return p;
}

std::string serialize_envelope(std::string_view payload,
                               const std::vector<std::uint8_t>& signature) {
  // One field per line, so that `grep`/`jq` users and diffs see the structure.
  return "{\n  \"format\": " + json::serialize(json::value(json::string(kFormat))) +
         ",\n  \"payload\": \"" + crypto::base64_encode(crypto::bytes_of(payload)) +
         "\",\n  \"signature\": \"" + crypto::base64_encode(signature) + "\"\n}\n";
}

Result<Envelope> parse_envelope(std::string_view text) {
  SIGIL_TRY(json::object doc, parse_object(text, "the bundle file"));
  Fields f(doc, "");
  SIGIL_TRY_VOID(f.only({"format", "payload", "signature"}));
  SIGIL_TRY(std::string format, f.string("format", 64));
  if (format != kFormat) {
    return unexpected(malformed("unsupported bundle format '" + format + "' (expected " +
                                std::string(kFormat) + ")"));
  }
  SIGIL_TRY(std::string payload64, f.string("payload", kMaxBundleBytes));
  SIGIL_TRY(std::string signature64, f.string("signature", kMaxBundleBytes));
  auto payload = crypto::base64_decode(payload64);
  if (!payload) return unexpected(malformed("field 'payload' is not valid base64"));
  auto signature = crypto::base64_decode(signature64);
  if (!signature) return unexpected(malformed("field 'signature' is not valid base64"));
  Envelope e;
  e.payload.assign(payload->begin(), payload->end());
  e.signature = std::move(*signature);
  return e;
}

}  // namespace sigil::certmgr::bundle
