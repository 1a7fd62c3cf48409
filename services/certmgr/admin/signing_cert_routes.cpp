// Admin API: the tenant's signing key set (list, show, add, activate, refresh, import, export).
// Every change is one db::KeySetStore transaction with the authenticated actor, so it is
// audited and announced to every sts replica (keyset generation + NOTIFY).

#include <boost/json.hpp>

#include "certmgr/admin/admin_api.hpp"
#include "certmgr/admin/json_body.hpp"
#include "certmgr/admin/views.hpp"
#include "certmgr/app.hpp"
#include "sigil/ca/builtin_ca.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/pkcs12.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/key_set_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/http/error_mapping.hpp"
#include "sigil/keys/import_check.hpp"
#include "sigil/keys/sealed_key.hpp"

namespace sigil::certmgr::admin {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxPem = 64 * 1024;

std::string tenant_of(const http::Request& r) { return std::string(r.param("tenant")); }

Result<db::KeySetView> read_view(const AdminDeps& d, const std::string& tenant,
                                 const AdminActor& a) {
  return db::transact(*d.pool, "admin.signing-cert.read", [&](pqxx::dbtransaction& tx) {
    return db::KeySetStore(tx, a.actor).read(tenant);
  });
}

// The key `key_id` ("active": the active key) of `view`, or kNotFound.
Result<const db::SigningKeyRow*> find_key(const db::KeySetView& view, std::string_view key_id) {
  for (const auto& k : view.keys) {
    if (key_id == "active" ? k.state == db::SigningKeyState::kActive : k.key_id == key_id) {
      return &k;
    }
  }
  if (key_id == "active") {
    return fail(Errc::kNotFound, "tenant " + view.tenant.name + " has no active signing key");
  }
  return fail(Errc::kNotFound,
              "no signing key " + std::string(key_id) + " in tenant " + view.tenant.name);
}

Reply change_reply(const db::KeySetChange& c) {
  Reply r;
  r.body = change_json(c);
  return r;
}

struct NewKeyParams {
  crypto::KeyType type = crypto::KeyType::kRsa2048;
  std::chrono::hours validity{24};
};

Result<NewKeyParams> new_key_params(const AdminDeps& d, const http::Request& r) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(JsonFields f, JsonFields::parse(content_type, r.message.body(),
                                            {"key_type", "validity_days"}));
  SIGIL_TRY(auto type, f.string("key_type", 32));
  SIGIL_TRY(auto days, f.integer("validity_days", 1, 36525));
  const std::string name(type.value_or(d.cfg->signing_key_type));
  NewKeyParams p;
  if (name == "rsa-2048") {
    p.type = crypto::KeyType::kRsa2048;
  } else if (name == "rsa-3072") {
    p.type = crypto::KeyType::kRsa3072;
  } else if (name == "ecdsa-p256") {
    p.type = crypto::KeyType::kEcdsaP256;
  } else {
    return fail(Errc::kMalformedRequest,
                "field 'key_type' must be rsa-2048, rsa-3072 or ecdsa-p256");
  }
  p.validity = std::chrono::hours(24 * days.value_or(d.cfg->signing_validity_days));
  return p;
}

// Issues a key from the built-in CA and applies `op` (add_pending or rotate) in one transaction.
template <class Op>
Result<db::KeySetChange> with_new_key(const AdminDeps& d, const http::Request& r,
                                      const AdminActor& a, std::string_view what, Op op) {
  SIGIL_TRY(NewKeyParams p, new_key_params(d, r));
  SIGIL_TRY(SchedulerOptions options, scheduler_options(*d.cfg));
  const std::string tenant = tenant_of(r);
  return db::transact(*d.pool, what, [&](pqxx::dbtransaction& tx) -> Result<db::KeySetChange> {
    SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).find(tenant));
    const TimePoint now = d.clock->now();
    ManualClock at(now);
    SIGIL_TRY(db::NewSigningKey key, ca::new_signing_key(tx, *d.master_key, at, options.ca,
                                                         row.name, row.id, p.type, p.validity));
    db::KeySetStore store(tx, a.actor);
    return op(store, row.name, std::move(key), now);
  });
}

// The row to store for a checked import: leaf then chain, the key sealed for its tenant row.
Result<db::NewSigningKey> imported_key(const keys::ImportReport& r, const std::string& tenant,
                                       const crypto::MasterKey& mk) {
  std::vector<X509*> chain{r.certificate.get()};
  for (const auto& c : r.chain) chain.push_back(c.get());
  SIGIL_TRY(keys::SealedSigningKey sealed, keys::seal_signing_key(tenant, r.key.get(), chain, mk));
  return db::new_signing_key(sealed, db::SigningKeySource::kThirdParty);
}

json::object import_body(const std::string& tenant, const keys::ImportReport& r,
                         std::string_view outcome, const std::string& detail, bool dry_run) {
  json::array checks;
  for (const auto& c : r.checks) {
    checks.push_back(
        {{"name", c.name}, {"status", keys::status_name(c.status)}, {"message", c.message}});
  }
  return json::object{{"tenant", tenant},   {"outcome", outcome},         {"detail", detail},
                      {"dry_run", dry_run}, {"checks", std::move(checks)}};
}

// A refused import: the error fields plus every check, with the table's status.
Reply refused(json::object body, Errc code, const std::string& message) {
  body["error"] = errc_name(code);
  body["message"] = message;
  Reply r;
  r.status = http::error_mapping(code).rest_status;
  r.body = std::move(body);
  return r;
}

// An import request, parsed and checked (nothing stored yet).
struct CheckedImport {
  keys::ImportReport report;
  bool dry_run = false;
  bool force = false;
  bool activate = false;
  TimePoint now;
};

Result<CheckedImport> check_request(const http::Request& r, TimePoint now) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(JsonFields f,
            JsonFields::parse(content_type, r.message.body(),
                              {"certificate", "private_key", "chain", "dry_run", "force",
                               "activate"}));
  SIGIL_TRY(std::string_view cert, f.required_string("certificate", kMaxPem));
  SIGIL_TRY(std::string_view key, f.required_string("private_key", kMaxPem));
  SIGIL_TRY(auto chain, f.string("chain", kMaxPem));
  SIGIL_TRY(auto dry_run, f.boolean("dry_run"));
  SIGIL_TRY(auto force, f.boolean("force"));
  SIGIL_TRY(auto activate, f.boolean("activate"));
  CheckedImport out;
  out.dry_run = dry_run.value_or(false);
  out.force = force.value_or(false);
  out.activate = activate.value_or(false);
  out.now = now;
  // ImportInput holds views into `f`, whose strings (the private key) are wiped on return.
  keys::ImportInput input;
  input.certificate_pem = cert;
  input.private_key_pem = key;
  if (chain) input.chain_pem = *chain;
  out.report = keys::check_import(input, now);
  return out;
}

struct Exported {
  std::string key_id;
  std::string fingerprint;
  std::vector<std::uint8_t> p12;
};

// The key as PKCS#12 under `passphrase`, and its audit row, in `tx`.
Result<Exported> export_in(pqxx::dbtransaction& tx, const AdminDeps& d, const AdminActor& a,
                           const std::string& tenant, const std::string& key_id,
                           std::string_view passphrase) {
  SIGIL_TRY(db::KeySetView view, db::KeySetStore(tx, a.actor).read(tenant));
  SIGIL_TRY(const db::SigningKeyRow* row, find_key(view, key_id));
  if (row->state == db::SigningKeyState::kRetired) {
    return fail(Errc::kConflict, "signing key " + row->key_id + " is retired");
  }
  SIGIL_TRY(crypto::EvpPkeyPtr key,
            crypto::open_private_key(*d.master_key, row->private_key_ciphertext,
                                     keys::signing_key_aad(view.tenant.name, row->key_id)));
  SIGIL_TRY(std::vector<crypto::X509Ptr> certs,
            crypto::parse_certificate_bundle(row->certificate_chain_pem));
  std::span<const crypto::X509Ptr> rest(certs.begin() + 1, certs.end());
  Exported out;
  out.key_id = row->key_id;
  SIGIL_TRY(out.p12, crypto::write_pkcs12(key.get(), certs.front().get(), rest, passphrase,
                                          row->key_id));
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(certs.front().get()));
  out.fingerprint = info.sha256_fingerprint;
  db::AuditEntry audit;
  audit.actor = a.actor;
  audit.action = "signing-key.export";
  audit.tenant = view.tenant.name;
  audit.target = row->key_id;
  audit.new_value = json::serialize(
      json::object{{"format", "pkcs12"}, {"sha256_fingerprint", info.sha256_fingerprint}});
  audit.detail = "private key exported as PKCS#12 (disaster recovery)";
  SIGIL_TRY_VOID(db::AuditLogStore(tx).append(audit));
  return out;
}

}  // namespace

Result<Reply> list_signing_certs(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(db::KeySetView view, read_view(d, tenant_of(r), a));
  json::array keys;
  for (const auto& k : view.keys) {
    SIGIL_TRY(json::object o, key_json(k, false));
    keys.push_back(std::move(o));
  }
  Reply out;
  out.body = json::object{{"tenant", view.tenant.name},
                          {"keyset_generation", view.tenant.keyset_generation},
                          {"keys", std::move(keys)}};
  return out;
}

Result<Reply> show_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(db::KeySetView view, read_view(d, tenant_of(r), a));
  SIGIL_TRY(const db::SigningKeyRow* key, find_key(view, r.param("key_id")));
  SIGIL_TRY(json::object o, key_json(*key, true));
  Reply out;
  out.body = std::move(o);
  return out;
}

Result<Reply> add_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(db::KeySetChange c,
            with_new_key(d, r, a, "admin.signing-cert.add",
                         [](db::KeySetStore& s, const std::string& t, db::NewSigningKey k,
                            TimePoint now) { return s.add_pending(t, std::move(k), now); }));
  return change_reply(c);
}

Result<Reply> refresh_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(db::KeySetChange c,
            with_new_key(d, r, a, "admin.signing-cert.refresh",
                         [](db::KeySetStore& s, const std::string& t, db::NewSigningKey k,
                            TimePoint now) { return s.rotate(t, std::move(k), now); }));
  return change_reply(c);
}

Result<Reply> activate_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  const std::string tenant = tenant_of(r);
  const std::string key_id(r.param("key_id"));
  SIGIL_TRY(db::KeySetChange c,
            db::transact(*d.pool, "admin.signing-cert.activate", [&](pqxx::dbtransaction& tx) {
              auto change = db::KeySetStore(tx, a.actor).activate(tenant, key_id, d.clock->now());
              // The store's kKeyNotFound means "no key to sign with" (503) elsewhere; here the
              // caller named a key the tenant does not have: 404.
              if (!change && change.error().code == Errc::kKeyNotFound) {
                return Result<db::KeySetChange>(fail(
                    Errc::kNotFound, "no signing key " + key_id + " in tenant " + tenant));
              }
              return change;
            }));
  return change_reply(c);
}

Result<Reply> import_signing_cert(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  SIGIL_TRY(CheckedImport in, check_request(r, d.clock->now()));
  const std::string tenant = tenant_of(r);
  const keys::ImportReport& report = in.report;
  if (report.rejected()) {
    const std::string m = "import rejected: a check failed; nothing changed";
    return refused(import_body(tenant, report, "rejected", m, in.dry_run), Errc::kInvalidArgument,
                   m);
  }
  if (report.needs_force() && !in.force) {
    const std::string m = "import needs --force: a check warned; nothing changed";
    return refused(import_body(tenant, report, "needs-force", m, in.dry_run),
                   Errc::kInvalidArgument, m);
  }
  if (in.dry_run) {
    Reply out;
    out.body = import_body(tenant, report, "dry-run",
                           std::string("checks passed; would add the key as ") +
                               (in.activate ? "active" : "pending") + "; nothing changed",
                           true);
    return out;
  }
  auto change = db::transact(
      *d.pool, "admin.signing-cert.import", [&](pqxx::dbtransaction& tx) -> Result<db::KeySetChange> {
        SIGIL_TRY(db::TenantRow row, db::TenantStore(tx).find(tenant));
        SIGIL_TRY(db::NewSigningKey k, imported_key(report, row.name, *d.master_key));
        return db::KeySetStore(tx, a.actor).import(row.name, std::move(k), in.activate, in.now);
      });
  if (!change) {
    const Error& e = change.error();
    return refused(import_body(tenant, report, "failed", e.message + "; nothing changed", false),
                   e.code, e.message);
  }
  const std::string added = change->added ? change->added->key_id : std::string("the key");
  std::string detail = "imported " + added + " as " + (change->activated ? "active" : "pending");
  if (change->deactivated) {
    detail += "; " + *change->deactivated + " is verify-only until " +
              format_rfc3339(change->deactivated_verify_until.value_or(in.now));
  }
  json::object body = import_body(tenant, report, "imported", detail, false);
  body["change"] = change_json(*change);
  Reply out;
  out.body = std::move(body);
  return out;
}

Result<Reply> export_signing_key(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(JsonFields f, JsonFields::parse(content_type, r.message.body(), {"passphrase"}));
  SIGIL_TRY(std::string_view pass_view, f.required_string("passphrase", 1024));
  crypto::SecretString passphrase(pass_view);
  f.cleanse();
  if (passphrase.view().size() < 8) {
    return fail(Errc::kMalformedRequest, "field 'passphrase' must have at least 8 characters");
  }
  const std::string tenant = tenant_of(r);
  const std::string key_id(r.param("key_id"));
  SIGIL_TRY(Exported e, db::transact(*d.pool, "admin.signing-key.export",
                                     [&](pqxx::dbtransaction& tx) {
                                       return export_in(tx, d, a, tenant, key_id,
                                                        passphrase.view());
                                     }));
  d.log->warn("signing-key.exported",
              {{"tenant", tenant}, {"key_id", e.key_id}, {"actor", a.actor},
               {"sha256", e.fingerprint}});
  Reply out;
  out.body = json::object{{"tenant", a.tenant},
                          {"key_id", e.key_id},
                          {"format", "pkcs12"},
                          {"sha256_fingerprint", e.fingerprint},
                          {"pkcs12", crypto::base64_encode(e.p12)}};
  return out;
}

}  // namespace sigil::certmgr::admin
