// Admin API: the HTTPS server certificates, the default one and per hostname
// (server_cert_routes.hpp).

#include "certmgr/admin/server_cert_routes.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "certmgr/admin/admin_auth.hpp"
#include "certmgr/admin/json_body.hpp"
#include "certmgr/admin/server_cert_checks.hpp"
#include "certmgr/admin/views.hpp"
#include "certmgr/tls/self_signed.hpp"
#include "sigil/base/ascii.hpp"
#include "sigil/base/dns_name.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/pkcs12.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::certmgr::admin {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::size_t kMaxPem = 64 * 1024;

// The hostname a request manages: '' (absent or empty) is the default certificate; otherwise a
// DNS name or a wildcard `*.domain`, lower-cased.
Result<std::string> hostname_of(std::optional<std::string_view> given) {
  std::string h = ascii_lower(given.value_or(""));
  if (h.empty()) return h;
  const std::string_view what =
      "'hostname' must be a DNS name (letters, digits, '-', dots) or *.domain, at most 253 "
      "characters";
  if (h.size() > 253) return fail(Errc::kMalformedRequest, std::string(what));
  std::string_view rest = h;
  if (rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  if (rest.find('.') == std::string_view::npos && rest.size() != h.size()) {
    return fail(Errc::kMalformedRequest, "'hostname' wildcard must cover a domain: *.example.com");
  }
  if (!is_dns_name_or_wildcard(h)) return fail(Errc::kMalformedRequest, std::string(what));
  return h;
}

std::string label_of(const std::string& hostname) {
  return hostname.empty() ? "default" : hostname;
}

Result<JsonFields> parse_body(const http::Request& r,
                              std::initializer_list<std::string_view> allowed) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  return JsonFields::parse(content_type, r.message.body(), allowed);
}

Result<crypto::KeyType> key_type_of(std::optional<std::string_view> name) {
  const std::string_view n = name.value_or("ecdsa-p256");
  if (n == "ecdsa-p256") return crypto::KeyType::kEcdsaP256;
  if (n == "rsa-2048") return crypto::KeyType::kRsa2048;
  if (n == "rsa-3072") return crypto::KeyType::kRsa3072;
  return fail(Errc::kMalformedRequest, "field 'key_type' must be ecdsa-p256, rsa-2048 or rsa-3072");
}

// The subject and DNS names of a CSR or self-signed request: common_name (default: certmgr's
// --sts-hostname), country, dns_names (comma-separated; default: the common name).
struct Names {
  crypto::DistinguishedName subject;
  std::vector<std::string> dns_names;
};

Result<Names> names_of(const AdminDeps& d, const JsonFields& f, const std::string& hostname) {
  SIGIL_TRY(auto cn, f.string("common_name", 64));
  SIGIL_TRY(auto country, f.string("country", 2));
  SIGIL_TRY(auto organization, f.string("organization", 64));
  SIGIL_TRY(auto dns, f.string("dns_names", 4096));
  Names n;
  n.subject.common_name =
      ascii_lower(cn.value_or(hostname.empty() ? std::string_view(d.cfg->tls.sts_hostname)
                                               : std::string_view(hostname)));
  if (n.subject.common_name.empty()) {
    return fail(Errc::kMalformedRequest, "field 'common_name' must not be empty");
  }
  if (country) {
    if (country->size() != 2 || !std::isalpha(static_cast<unsigned char>((*country)[0])) ||
        !std::isalpha(static_cast<unsigned char>((*country)[1]))) {
      return fail(Errc::kMalformedRequest, "field 'country' must be two letters, e.g. US");
    }
    n.subject.country = std::string(*country);
    std::transform(n.subject.country.begin(), n.subject.country.end(), n.subject.country.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  if (organization) n.subject.organization = std::string(*organization);
  if (dns && !dns->empty()) {
    std::string_view rest = *dns;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item.empty()) return fail(Errc::kMalformedRequest, "field 'dns_names' has an empty name");
      n.dns_names.push_back(ascii_lower(item));
    }
  } else {
    n.dns_names.push_back(n.subject.common_name);
  }
  // A hostname's certificate always names its hostname.
  if (!hostname.empty() &&
      std::find(n.dns_names.begin(), n.dns_names.end(), hostname) == n.dns_names.end()) {
    n.dns_names.push_back(hostname);
  }
  return n;
}

Result<json::object> cert_json(const db::ServerCertRow& row) {
  json::object o{{"id", row.id},
                 {"hostname", row.hostname},
                 {"state", row.state},
                 {"self_signed", row.self_signed},
                 {"created_at", format_rfc3339(row.created_at)}};
  o["activated_at"] = time_json(row.activated_at);
  if (row.certificate_chain_pem) {
    SIGIL_TRY(std::vector<crypto::X509Ptr> certs,
              crypto::parse_certificate_bundle(*row.certificate_chain_pem));
    SIGIL_TRY(crypto::CertInfo info, crypto::describe(certs.front().get()));
    json::array dns;
    for (const auto& n : info.dns_names) dns.emplace_back(n);
    o["subject"] = info.subject;
    o["issuer"] = info.issuer;
    o["serial"] = info.serial_hex;
    o["key"] = info.key_description;
    o["sha256_fingerprint"] = info.sha256_fingerprint;
    o["not_before"] = format_rfc3339(info.not_before);
    o["not_after"] = format_rfc3339(info.not_after);
    o["dns_names"] = std::move(dns);
    o["chain_length"] = certs.size();
    o["pem"] = *row.certificate_chain_pem;
  }
  if (row.csr_pem) {
    SIGIL_TRY(crypto::X509ReqPtr csr, crypto::parse_csr_pem(*row.csr_pem));
    SIGIL_TRY(crypto::CsrInfo info, crypto::describe(csr.get()));
    json::array dns;
    for (const auto& n : info.dns_names) dns.emplace_back(n);
    json::object c{{"subject", info.subject}, {"key", info.key_description}};
    c["dns_names"] = std::move(dns);
    o["csr"] = std::move(c);
  }
  return o;
}

Result<void> audit(pqxx::dbtransaction& tx, const AdminActor& a, const std::string& hostname,
                   std::string action, const json::object& new_value, std::string detail) {
  db::AuditEntry e;
  e.actor = a.actor;
  e.action = std::move(action);
  e.tenant = a.tenant;
  e.target = "server-cert:" + label_of(hostname);
  e.new_value = json::serialize(new_value);
  e.detail = std::move(detail);
  return db::AuditLogStore(tx).append(e);
}

Reply reply_of(json::object body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

// What a request may touch, decided before any work (authorize) and enforced again inside the
// transaction that writes (enforce_scope).
struct Scope {
  bool deployment = false;  // an administrator of the system tenant: every hostname
  std::string tenant;       // else: the tenant whose hostnames it may manage
};

Result<Scope> authorize(const AdminDeps& d, const http::Request& r, const AdminActor& a,
                        const std::string& hostname) {
  Scope scope;
  if (d.auth->is_system_tenant(a.tenant)) {
    scope.deployment = true;
    return scope;
  }
  std::optional<std::string> owner;
  if (!hostname.empty() && hostname.front() != '*') {
    SIGIL_TRY(owner, db::transact(*d.pool, "admin.server-cert.scope",
                                  [&](pqxx::dbtransaction& tx) {
                                    return db::hostname_owner(tx, hostname);
                                  }));
  }
  const auto refusal = tenant_scope_refusal(a.tenant, hostname, owner, d.auth->system_tenant());
  if (!refusal) {
    scope.tenant = a.tenant;
    return scope;
  }
  // The same credential may also be a system-tenant administrator's.
  auto deployment = d.auth->authenticate_deployment_admin(r);
  if (deployment) {
    scope.deployment = true;
    return scope;
  }
  if (deployment.error().code != Errc::kPermissionDenied) return unexpected(deployment.error());
  return fail(Errc::kPermissionDenied, *refusal);
}

// Inside the writing transaction: every name must (still) be the scope's tenant's; the
// hostnames' rows stay locked until commit. `names[0]` is the hostname managed; the others are
// the DNS names and common name the new certificate or CSR carries.
Result<void> enforce_scope(pqxx::dbtransaction& tx, const AdminDeps& d, const Scope& scope,
                           const std::vector<std::string>& names) {
  if (scope.deployment) return {};
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::optional<std::string> owner;
    if (!names[i].empty() && names[i].front() != '*') {
      SIGIL_TRY(owner, db::hostname_owner(tx, names[i], /*lock=*/true));
    }
    if (auto refusal =
            tenant_scope_refusal(scope.tenant, names[i], owner, d.auth->system_tenant())) {
      return fail(Errc::kPermissionDenied,
                  i == 0 ? *refusal
                         : "the certificate would name " + names[i] + ": " + *refusal);
    }
  }
  return {};
}

// The hostname, then the DNS names and the common name of a certificate or CSR, each once.
std::vector<std::string> names_in_scope(const std::string& hostname, const Names& names) {
  std::vector<std::string> out{hostname};
  auto add = [&out](const std::string& n) {
    const std::string l = ascii_lower(n);
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  };
  for (const auto& n : names.dns_names) add(n);
  add(names.subject.common_name);
  return out;
}

// `server-cert import --key`: a certificate with its own key, active at once (a pending CSR of
// the hostname is left alone).
Result<Reply> import_with_key(const AdminDeps& d, const AdminActor& a, const Scope& scope,
                              const std::string& hostname, std::string_view cert_pem,
                              std::optional<std::string_view> chain_pem, std::string_view key_pem,
                              TimePoint now) {
  SIGIL_TRY(CheckedKeyImport checked,
            check_key_import(d, hostname, cert_pem, chain_pem, key_pem, now));
  json::object v{{"subject", checked.leaf.subject},
                 {"issuer", checked.leaf.issuer},
                 {"serial", checked.leaf.serial_hex},
                 {"key", checked.key_description},
                 {"sha256_fingerprint", checked.leaf.sha256_fingerprint},
                 {"not_after", format_rfc3339(checked.leaf.not_after)}};
  SIGIL_TRY(db::ServerCertRow stored,
            db::transact(*d.pool, "admin.server-cert.import",
                         [&](pqxx::dbtransaction& tx) -> Result<db::ServerCertRow> {
                           SIGIL_TRY_VOID(enforce_scope(tx, d, scope, {hostname}));
                           SIGIL_TRY(auto row,
                                     db::ServerCertStore(tx).insert_active(checked.row, now));
                           SIGIL_TRY_VOID(audit(tx, a, hostname, "server-cert.import", v,
                                                "certificate and its private key imported and "
                                                "active"));
                           return row;
                         }));
  d.log->info("server-cert.imported",
              {{"hostname", label_of(hostname)},
               {"actor", a.actor},
               {"with_key", true},
               {"subject", checked.leaf.subject},
               {"sha256", checked.leaf.sha256_fingerprint},
               {"id", stored.id}});
  return reply_of(json::object{{"hostname", hostname},
                               {"outcome", "imported"},
                               {"with_key", true},
                               {"subject", checked.leaf.subject},
                               {"issuer", checked.leaf.issuer},
                               {"key", checked.key_description},
                               {"sha256_fingerprint", checked.leaf.sha256_fingerprint},
                               {"not_after", format_rfc3339(checked.leaf.not_after)}});
}

}  // namespace

std::optional<std::string> tenant_scope_refusal(std::string_view actor_tenant,
                                                std::string_view hostname,
                                                const std::optional<std::string>& owner,
                                                std::string_view system_tenant) {
  const std::string sys = "an administrator of the system tenant " + std::string(system_tenant);
  if (hostname.empty()) {
    return "the default server certificate is deployment-wide: only " + sys +
           " may manage it, not an administrator of tenant " + std::string(actor_tenant);
  }
  const std::string h(hostname);
  if (h.front() == '*') {
    return "the wildcard hostname " + h + " is deployment-wide: only " + sys +
           " may manage its certificate, not an administrator of tenant " +
           std::string(actor_tenant);
  }
  if (!owner) {
    return "hostname " + h + " belongs to no tenant: only " + sys +
           " may manage its certificate (an administrator of tenant " +
           std::string(actor_tenant) + " may once it is one of " + std::string(actor_tenant) +
           "'s hostnames)";
  }
  if (equal_ignoring_ascii_case(*owner, actor_tenant)) return std::nullopt;
  return "hostname " + h + " belongs to tenant " + *owner + "; an administrator of tenant " +
         std::string(actor_tenant) + " may manage only " + std::string(actor_tenant) +
         "'s own hostnames (ask an administrator of " + *owner + " or of the system tenant " +
         std::string(system_tenant) + ")";
}

Result<Reply> show_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(const std::string hostname, hostname_of(query_param(r.query, "hostname")));
  SIGIL_TRY(Scope scope, authorize(d, r, a, hostname));
  (void)scope;
  using Rows = std::pair<std::optional<db::ServerCertRow>, std::optional<db::ServerCertRow>>;
  SIGIL_TRY(Rows rows, db::transact(*d.pool, "admin.server-cert.show",
                                    [&](pqxx::dbtransaction& tx) -> Result<Rows> {
                                      db::ServerCertStore store(tx);
                                      SIGIL_TRY(auto active, store.active(hostname));
                                      SIGIL_TRY(auto pending, store.pending(hostname));
                                      return Rows(std::move(active), std::move(pending));
                                    }));
  json::object body{{"hostname", hostname}};
  body["active"] = nullptr;
  body["pending"] = nullptr;
  if (rows.first) {
    SIGIL_TRY(json::object o, cert_json(*rows.first));
    body["active"] = std::move(o);
  }
  if (rows.second) {
    SIGIL_TRY(json::object o, cert_json(*rows.second));
    body["pending"] = std::move(o);
  }
  return reply_of(std::move(body));
}

Result<Reply> create_server_csr(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(JsonFields f, parse_body(r, {"common_name", "country", "organization", "dns_names",
                                         "key_type", "hostname"}));
  SIGIL_TRY(auto hostname_field, f.string("hostname", 1024));
  SIGIL_TRY(const std::string hostname, hostname_of(hostname_field));
  SIGIL_TRY(const Scope scope, authorize(d, r, a, hostname));
  SIGIL_TRY(Names names, names_of(d, f, hostname));
  const std::vector<std::string> scoped_names = names_in_scope(hostname, names);
  SIGIL_TRY(auto type_name, f.string("key_type", 32));
  SIGIL_TRY(crypto::KeyType type, key_type_of(type_name));
  SIGIL_TRY(crypto::EvpPkeyPtr key, crypto::generate_key(type));
  auto csr = crypto::make_csr(key.get(), names.subject, names.dns_names);
  if (!csr) {
    return fail(Errc::kMalformedRequest, "cannot make a CSR: " + csr.error().message,
                csr.error().detail);
  }
  SIGIL_TRY(std::string csr_pem, crypto::write_csr_pem(csr->get()));
  SIGIL_TRY(crypto::CsrInfo info, crypto::describe(csr->get()));
  db::NewServerCert row;
  row.hostname = hostname;
  row.csr_pem = csr_pem;
  SIGIL_TRY(row.private_key_ciphertext,
            crypto::seal_private_key(*d.master_key, key.get(), db::server_cert_aad(hostname)));
  row.master_key_id = d.master_key->id();
  json::array dns;
  for (const auto& n : info.dns_names) dns.emplace_back(n);
  json::object summary{{"subject", info.subject}, {"key", info.key_description}};
  summary["dns_names"] = dns;
  SIGIL_TRY(db::ServerCertRow stored,
            db::transact(*d.pool, "admin.server-cert.csr",
                         [&](pqxx::dbtransaction& tx) -> Result<db::ServerCertRow> {
                           SIGIL_TRY_VOID(enforce_scope(tx, d, scope, scoped_names));
                           SIGIL_TRY(auto s, db::ServerCertStore(tx).insert_pending(row));
                           SIGIL_TRY_VOID(audit(tx, a, hostname, "server-cert.csr", summary,
                                                "new key and CSR; pending until the CA's "
                                                "certificate is imported"));
                           return s;
                         }));
  d.log->info("server-cert.csr_created",
              {{"hostname", label_of(hostname)}, {"actor", a.actor}, {"subject", info.subject},
               {"id", stored.id}});
  json::object body = summary;
  body["hostname"] = hostname;
  body["state"] = "pending";
  body["csr"] = csr_pem;
  return reply_of(std::move(body));
}

Result<Reply> import_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(JsonFields f, parse_body(r, {"certificate", "chain", "hostname", "key_pem"}));
  SIGIL_TRY(auto hostname_field, f.string("hostname", 1024));
  SIGIL_TRY(const std::string hostname, hostname_of(hostname_field));
  // Who may, before what the body says: a caller without the scope learns nothing more.
  SIGIL_TRY(const Scope scope, authorize(d, r, a, hostname));
  SIGIL_TRY(std::string_view cert_pem, f.required_string("certificate", kMaxPem));
  SIGIL_TRY(auto chain_pem, f.string("chain", kMaxPem));
  // The parsed key is wiped with `f` (JsonFields' destructor). The raw body stays as it is: the
  // handler runs again on a database reconnect (AdminApi::handle).
  SIGIL_TRY(auto key_pem, f.string("key_pem", kMaxPem));
  const TimePoint now = d.clock->now();
  if (key_pem) return import_with_key(d, a, scope, hostname, cert_pem, chain_pem, *key_pem, now);
  SIGIL_TRY(CheckedImport checked,
            db::transact(*d.pool, "admin.server-cert.import",
                         [&](pqxx::dbtransaction& tx) -> Result<CheckedImport> {
                           SIGIL_TRY_VOID(enforce_scope(tx, d, scope, {hostname}));
                           db::ServerCertStore store(tx);
                           SIGIL_TRY(auto pending, store.pending(hostname));
                           if (!pending || !pending->csr_pem) {
                             return fail(Errc::kNotFound,
                                         "no pending CSR for the " +
                                             (hostname.empty() ? std::string("default server "
                                                                             "certificate")
                                                               : "server certificate of " +
                                                                     hostname) +
                                             "; create one with `sigilctl server-cert csr`, or "
                                             "import the certificate with its key (--key)");
                           }
                           SIGIL_TRY(CheckedImport c,
                                     check_import(d, *pending, cert_pem, chain_pem, now));
                           SIGIL_TRY(db::ServerCertRow activated,
                                     store.activate_pending(c.pending_id, c.chain_pem,
                                                            c.leaf.not_before, c.leaf.not_after,
                                                            now));
                           (void)activated;
                           json::object v{{"subject", c.leaf.subject},
                                          {"issuer", c.leaf.issuer},
                                          {"serial", c.leaf.serial_hex},
                                          {"sha256_fingerprint", c.leaf.sha256_fingerprint},
                                          {"not_after", format_rfc3339(c.leaf.not_after)}};
                           SIGIL_TRY_VOID(audit(tx, a, hostname, "server-cert.import", v,
                                                "CA-signed certificate imported and active"));
                           return c;
                         }));
  d.log->info("server-cert.imported",
              {{"hostname", label_of(hostname)},
               {"actor", a.actor},
               {"subject", checked.leaf.subject},
               {"sha256", checked.leaf.sha256_fingerprint}});
  return reply_of(json::object{{"hostname", hostname},
                               {"outcome", "imported"},
                               {"with_key", false},
                               {"subject", checked.leaf.subject},
                               {"issuer", checked.leaf.issuer},
                               {"sha256_fingerprint", checked.leaf.sha256_fingerprint},
                               {"not_after", format_rfc3339(checked.leaf.not_after)}});
}

Result<Reply> self_signed_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(JsonFields f, parse_body(r, {"common_name", "country", "organization", "dns_names",
                                         "key_type", "validity_days", "hostname"}));
  SIGIL_TRY(auto hostname_field, f.string("hostname", 1024));
  SIGIL_TRY(const std::string hostname, hostname_of(hostname_field));
  SIGIL_TRY(const Scope scope, authorize(d, r, a, hostname));
  SIGIL_TRY(Names names, names_of(d, f, hostname));
  SIGIL_TRY(auto type_name, f.string("key_type", 32));
  SIGIL_TRY(crypto::KeyType type, key_type_of(type_name));
  SIGIL_TRY(auto days, f.integer("validity_days", 1, 3650));
  if (hostname.empty() && std::find(names.dns_names.begin(), names.dns_names.end(),
                                    "localhost") == names.dns_names.end()) {
    names.dns_names.push_back("localhost");
  }
  const std::vector<std::string> scoped_names = names_in_scope(hostname, names);
  const TimePoint now = d.clock->now();
  tls::SelfSignedRequest request;
  request.hostname = hostname;
  request.subject = names.subject;
  request.dns_names = names.dns_names;
  request.key_type = type;
  request.validity = std::chrono::hours(24 * days.value_or(365));
  SIGIL_TRY(tls::SelfSigned made, tls::make_self_signed(request, *d.master_key, now));
  const crypto::CertInfo& info = made.info;
  const db::NewServerCert& row = made.row;
  json::object v{{"subject", info.subject},
                 {"sha256_fingerprint", info.sha256_fingerprint},
                 {"not_after", format_rfc3339(info.not_after)}};
  SIGIL_TRY(db::ServerCertRow stored,
            db::transact(*d.pool, "admin.server-cert.self-signed",
                         [&](pqxx::dbtransaction& tx) -> Result<db::ServerCertRow> {
                           SIGIL_TRY_VOID(enforce_scope(tx, d, scope, scoped_names));
                           SIGIL_TRY(auto s, db::ServerCertStore(tx).insert_active(row, now));
                           SIGIL_TRY_VOID(audit(tx, a, hostname, "server-cert.self-signed", v,
                                                "new self-signed certificate, active"));
                           return s;
                         }));
  d.log->info("server-cert.self_signed",
              {{"hostname", label_of(hostname)}, {"actor", a.actor}, {"subject", info.subject},
               {"sha256", info.sha256_fingerprint}});
  SIGIL_TRY(json::object body, cert_json(stored));
  return reply_of(std::move(body));
}

Result<Reply> export_server_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(JsonFields f, parse_body(r, {"passphrase", "hostname"}));
  SIGIL_TRY(auto hostname_field, f.string("hostname", 1024));
  SIGIL_TRY(const std::string hostname, hostname_of(hostname_field));
  SIGIL_TRY(const Scope scope, authorize(d, r, a, hostname));
  SIGIL_TRY(std::string_view pass_view, f.required_string("passphrase", 1024));
  crypto::SecretString passphrase(pass_view);
  f.cleanse();
  if (passphrase.view().size() < 8) {
    return fail(Errc::kMalformedRequest, "field 'passphrase' must have at least 8 characters");
  }
  struct Exported {
    std::string fingerprint;
    std::vector<std::uint8_t> p12;
  };
  SIGIL_TRY(Exported e,
            db::transact(*d.pool, "admin.server-cert.export",
                         [&](pqxx::dbtransaction& tx) -> Result<Exported> {
                           SIGIL_TRY_VOID(enforce_scope(tx, d, scope, {hostname}));
                           SIGIL_TRY(auto active, db::ServerCertStore(tx).active(hostname));
                           if (!active) {
                             return fail(Errc::kNotFound,
                                         "no active server certificate in the database");
                           }
                           SIGIL_TRY(crypto::EvpPkeyPtr key,
                                     crypto::open_private_key(
                                         *d.master_key, active->private_key_ciphertext,
                                         db::server_cert_aad(active->hostname)));
                           SIGIL_TRY(std::vector<crypto::X509Ptr> certs,
                                     crypto::parse_certificate_bundle(
                                         active->certificate_chain_pem.value_or("")));
                           std::span<const crypto::X509Ptr> rest(certs.begin() + 1, certs.end());
                           Exported out;
                           SIGIL_TRY(out.p12,
                                     crypto::write_pkcs12(key.get(), certs.front().get(), rest,
                                                          passphrase.view(), "sigil-server"));
                           SIGIL_TRY(crypto::CertInfo info, crypto::describe(certs.front().get()));
                           out.fingerprint = info.sha256_fingerprint;
                           SIGIL_TRY_VOID(audit(
                               tx, a, hostname, "server-cert.export",
                               json::object{{"format", "pkcs12"},
                                            {"sha256_fingerprint", info.sha256_fingerprint}},
                               "server certificate and key exported as PKCS#12 (disaster "
                               "recovery)"));
                           return out;
                         }));
  d.log->warn("server-cert.exported",
              {{"hostname", label_of(hostname)}, {"actor", a.actor}, {"sha256", e.fingerprint}});
  return reply_of(json::object{{"hostname", hostname},
                               {"format", "pkcs12"},
                               {"sha256_fingerprint", e.fingerprint},
                               {"pkcs12", crypto::base64_encode(e.p12)}});
}

}  // namespace sigil::certmgr::admin
