// Admin API: the HTTPS server certificates, the default one and per hostname
// (server_cert_routes.hpp).

#include "certmgr/admin/server_cert_routes.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "certmgr/admin/json_body.hpp"
#include "certmgr/admin/views.hpp"
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
constexpr auto kBackdate = 5min;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The hostname a request manages: '' (absent or empty) is the default certificate; otherwise a
// DNS name or a wildcard `*.domain`, lower-cased.
Result<std::string> hostname_of(std::optional<std::string_view> given) {
  std::string h = lower(given.value_or(""));
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
  while (true) {
    const auto dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), [](unsigned char c) {
          return std::isalnum(c) != 0 || c == '-';
        })) {
      return fail(Errc::kMalformedRequest, std::string(what));
    }
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
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
      lower(cn.value_or(hostname.empty() ? std::string_view(d.cfg->tls.sts_hostname)
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
      n.dns_names.push_back(lower(item));
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

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

Reply reply_of(json::object body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

// Everything an import checks before it writes: parsed leaf + chain, and the pending row's id.
struct CheckedImport {
  std::int64_t pending_id = 0;
  std::string chain_pem;  // leaf first, as stored
  crypto::CertInfo leaf;
};

Result<CheckedImport> check_import(const AdminDeps& d, const db::ServerCertRow& pending,
                                   std::string_view cert_pem,
                                   std::optional<std::string_view> chain_pem, TimePoint now) {
  auto certs = crypto::parse_certificate_bundle(cert_pem);
  if (!certs) {
    return fail(Errc::kInvalidArgument, "field 'certificate' holds no PEM certificate");
  }
  std::vector<crypto::X509Ptr> chain;
  for (std::size_t i = 1; i < certs->size(); ++i) chain.push_back(std::move((*certs)[i]));
  if (chain_pem && !chain_pem->empty()) {
    auto more = crypto::parse_certificate_bundle(*chain_pem);
    if (!more) return fail(Errc::kInvalidArgument, "field 'chain' holds no PEM certificate");
    for (auto& c : *more) chain.push_back(std::move(c));
  }
  X509* leaf = certs->front().get();
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(leaf));
  // 1. The key: the certificate must certify the pending CSR's key.
  SIGIL_TRY(crypto::EvpPkeyPtr key,
            crypto::open_private_key(*d.master_key, pending.private_key_ciphertext,
                                     db::server_cert_aad(pending.hostname)));
  if (!crypto::key_matches_certificate(key.get(), leaf)) {
    return fail(Errc::kInvalidArgument,
                "the certificate is not for the pending CSR's key (its public key differs); "
                "sign the CSR from `sigilctl server-cert csr`; nothing changed");
  }
  // 2. The names: every DNS name the CSR asked for.
  SIGIL_TRY(crypto::X509ReqPtr csr, crypto::parse_csr_pem(pending.csr_pem.value_or("")));
  SIGIL_TRY(crypto::CsrInfo csr_info, crypto::describe(csr.get()));
  for (const auto& name : csr_info.dns_names) {
    bool covered = false;
    for (const auto& p : info.dns_names) covered = covered || dns_name_covers(p, name);
    if (!covered) {
      return fail(Errc::kInvalidArgument,
                  "the certificate does not cover the hostname " + name +
                      " (its subjectAltName DNS names: " + joined(info.dns_names) +
                      "); nothing changed");
    }
  }
  // 3. Validity now, and fit for a TLS server.
  if (now < info.not_before) {
    return fail(Errc::kInvalidArgument, "the certificate is not valid before " +
                                            format_rfc3339(info.not_before) + "; nothing changed");
  }
  if (now >= info.not_after) {
    return fail(Errc::kInvalidArgument,
                "the certificate expired at " + format_rfc3339(info.not_after) +
                    "; nothing changed");
  }
  if (info.extended_key_usage && !info.extended_key_usage->server_auth) {
    return fail(Errc::kInvalidArgument,
                "the certificate's extendedKeyUsage does not allow serverAuth; nothing changed");
  }
  if (info.is_ca) {
    return fail(Errc::kInvalidArgument, "the certificate is a CA certificate; nothing changed");
  }
  // 4. The chain, when given: it must lead to a root it contains.
  if (!chain.empty()) {
    std::vector<crypto::X509Ptr> roots;
    std::vector<crypto::X509Ptr> intermediates;
    for (auto& c : chain) {
      SIGIL_TRY(crypto::CertInfo ci, crypto::describe(c.get()));
      (ci.subject == ci.issuer ? roots : intermediates).push_back(std::move(c));
    }
    if (roots.empty()) {
      return fail(Errc::kInvalidArgument,
                  "the chain must end with the root CA certificate (self-signed); nothing "
                  "changed");
    }
    auto verified = crypto::verify_chain(leaf, intermediates, roots, now);
    if (!verified) {
      return fail(Errc::kInvalidArgument, verified.error().message + "; nothing changed",
                  verified.error().detail);
    }
    chain.clear();
    for (auto& c : intermediates) chain.push_back(std::move(c));
    for (auto& c : roots) chain.push_back(std::move(c));
  }
  CheckedImport out;
  out.pending_id = pending.id;
  SIGIL_TRY(out.chain_pem, crypto::write_certificate_pem(leaf));
  for (const auto& c : chain) {
    SIGIL_TRY(std::string pem, crypto::write_certificate_pem(c.get()));
    out.chain_pem += pem;
  }
  out.leaf = std::move(info);
  return out;
}

}  // namespace

bool dns_name_covers(std::string_view pattern, std::string_view name) {
  const std::string p = lower(pattern);
  const std::string n = lower(name);
  if (p == n) return true;
  if (p.size() < 3 || p.compare(0, 2, "*.") != 0) return false;
  const auto dot = n.find('.');
  if (dot == std::string::npos || dot == 0) return false;
  return n.compare(dot, std::string::npos, p, 1, std::string::npos) == 0;
}

Result<Reply> show_server_cert(const AdminDeps& d, http::Request& r, const AdminActor&) {
  SIGIL_TRY(const std::string hostname, hostname_of(query_param(r.query, "hostname")));
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
  SIGIL_TRY(Names names, names_of(d, f, hostname));
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
  SIGIL_TRY(JsonFields f, parse_body(r, {"certificate", "chain", "hostname"}));
  SIGIL_TRY(auto hostname_field, f.string("hostname", 1024));
  SIGIL_TRY(const std::string hostname, hostname_of(hostname_field));
  SIGIL_TRY(std::string_view cert_pem, f.required_string("certificate", kMaxPem));
  SIGIL_TRY(auto chain_pem, f.string("chain", kMaxPem));
  const TimePoint now = d.clock->now();
  SIGIL_TRY(CheckedImport checked,
            db::transact(*d.pool, "admin.server-cert.import",
                         [&](pqxx::dbtransaction& tx) -> Result<CheckedImport> {
                           db::ServerCertStore store(tx);
                           SIGIL_TRY(auto pending, store.pending(hostname));
                           if (!pending || !pending->csr_pem) {
                             return fail(Errc::kNotFound,
                                         "no pending CSR for the " +
                                             (hostname.empty() ? std::string("default server "
                                                                             "certificate")
                                                               : "server certificate of " +
                                                                     hostname) +
                                             "; create one with `sigilctl server-cert csr`");
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
  SIGIL_TRY(Names names, names_of(d, f, hostname));
  SIGIL_TRY(auto type_name, f.string("key_type", 32));
  SIGIL_TRY(crypto::KeyType type, key_type_of(type_name));
  SIGIL_TRY(auto days, f.integer("validity_days", 1, 3650));
  if (hostname.empty() && std::find(names.dns_names.begin(), names.dns_names.end(),
                                    "localhost") == names.dns_names.end()) {
    names.dns_names.push_back("localhost");
  }
  SIGIL_TRY(crypto::EvpPkeyPtr key, crypto::generate_key(type));
  const TimePoint now = d.clock->now();
  crypto::CertRequest req;
  req.subject = names.subject;
  req.dns_names = names.dns_names;
  req.subject_key = key.get();
  req.issuer_key = key.get();
  req.not_before = now - kBackdate;
  req.not_after = now + std::chrono::hours(24 * days.value_or(365));
  req.key_usage.digital_signature = true;
  req.key_usage.key_encipherment = type != crypto::KeyType::kEcdsaP256;
  req.extended_key_usage = crypto::ExtendedKeyUsage{.server_auth = true, .client_auth = false};
  auto cert = crypto::issue_certificate(req);
  if (!cert) {
    return fail(Errc::kMalformedRequest,
                "cannot make a self-signed certificate: " + cert.error().message,
                cert.error().detail);
  }
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(cert->get()));
  db::NewServerCert row;
  row.hostname = hostname;
  SIGIL_TRY(row.certificate_chain_pem, crypto::write_certificate_pem(cert->get()));
  SIGIL_TRY(row.private_key_ciphertext,
            crypto::seal_private_key(*d.master_key, key.get(), db::server_cert_aad(hostname)));
  row.master_key_id = d.master_key->id();
  row.self_signed = true;
  row.not_before = info.not_before;
  row.not_after = info.not_after;
  json::object v{{"subject", info.subject},
                 {"sha256_fingerprint", info.sha256_fingerprint},
                 {"not_after", format_rfc3339(info.not_after)}};
  SIGIL_TRY(db::ServerCertRow stored,
            db::transact(*d.pool, "admin.server-cert.self-signed",
                         [&](pqxx::dbtransaction& tx) -> Result<db::ServerCertRow> {
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
