// Admin API: signed configuration bundles (bundle_routes.hpp, docs/bundles.md).

#include "certmgr/admin/bundle_routes.hpp"

#include <boost/json.hpp>

#include "certmgr/admin/json_body.hpp"
#include "certmgr/app.hpp"
#include "certmgr/bundle/bundle_format.hpp"
#include "certmgr/bundle/bundle_import.hpp"
#include "certmgr/bundle/bundle_signature.hpp"

#include "sigil/base/ascii.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/bundle_store.hpp"
#include "sigil/db/ca_store.hpp"
#include "sigil/db/server_cert_store.hpp"
#include "sigil/db/signing_key_store.hpp"
#include "sigil/db/solution_user_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/db/user_store.hpp"

namespace sigil::certmgr::admin {
namespace {

namespace json = boost::json;

// The server's request body limit is 1 MiB; a bundle file inside a JSON string stays below.
constexpr std::size_t kMaxImportBody = 1024 * 1024;

Reply reply_of(json::object body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

json::object signer_json(const bundle::Signer& s) {
  return {{"subject", s.subject},
          {"sha256_fingerprint", s.sha256_fingerprint},
          {"not_after", s.not_after}};
}

Result<void> audit(pqxx::dbtransaction& tx, const std::string& actor, const std::string& tenant,
                   std::string action, const json::object& value, std::string detail) {
  db::AuditEntry e;
  e.actor = actor;
  e.action = std::move(action);
  e.tenant = tenant;
  e.target = "bundle";
  e.new_value = json::serialize(value);
  e.detail = std::move(detail);
  return db::AuditLogStore(tx).append(e);
}

// This deployment's default server certificate: its key, leaf and chain.
struct SigningCert {
  crypto::EvpPkeyPtr key;
  std::vector<crypto::X509Ptr> certs;  // leaf first
};

Result<std::optional<SigningCert>> own_server_cert(pqxx::dbtransaction& tx,
                                                   const crypto::MasterKey* master_key) {
  SIGIL_TRY(auto active, db::ServerCertStore(tx).active(""));
  if (!active || !active->certificate_chain_pem) return std::optional<SigningCert>();
  SigningCert out;
  SIGIL_TRY(out.certs, crypto::parse_certificate_bundle(*active->certificate_chain_pem));
  if (master_key != nullptr) {
    SIGIL_TRY(out.key, crypto::open_private_key(*master_key, active->private_key_ciphertext,
                                                db::server_cert_aad(active->hostname)));
  }
  return std::optional<SigningCert>(std::move(out));
}

Result<bundle::Payload> read_payload(pqxx::dbtransaction& tx, const db::TenantRow& t,
                                     bool secrets) {
  bundle::Payload p;
  p.tenant = t.name;
  p.policy = bundle::policy_of(t);
  SIGIL_TRY(p.hostnames, db::TenantStore(tx).hostnames(t.name));
  SIGIL_TRY(std::vector<db::UserRow> users, db::UserStore(tx).list(t.id));
  for (db::UserRow& u : users) {
    bundle::BundleUser b;
    b.name = std::move(u.name);
    b.groups = std::move(u.groups);
    b.first_name = std::move(u.first_name);
    b.last_name = std::move(u.last_name);
    b.disabled = u.disabled;
    if (secrets && u.password_hash != bundle::kNoPasswordMarker) b.password_hash = u.password_hash;
    p.users.push_back(std::move(b));
  }
  SIGIL_TRY(std::vector<db::SolutionUserRow> sus, db::SolutionUserStore(tx).list(t.id));
  for (db::SolutionUserRow& u : sus) {
    bundle::BundleSolutionUser b;
    b.name = std::move(u.name);
    b.certificate_pem = std::move(u.certificate_pem);
    b.groups = std::move(u.groups);
    b.disabled = u.disabled;
    p.solution_users.push_back(std::move(b));
  }
  SIGIL_TRY(auto keys, db::SigningKeyStore(tx).list_verifying(t.id));
  for (const auto& k : keys) p.signing_certificates.push_back(k.certificate_chain_pem);
  SIGIL_TRY(auto ca, db::CaStore(tx).active());
  if (ca) p.ca_certificates.push_back(ca->certificate_pem);
  return p;
}

struct Exported {
  std::string file;
  bundle::Signer signer;
  bundle::Payload payload;
};

// The export's transaction: read the tenant, sign with the default server certificate, audit.
Result<Exported> export_in(pqxx::dbtransaction& tx, const AdminDeps& d, const AdminActor& a,
                           const std::string& tenant, bool secrets, TimePoint now) {
  SIGIL_TRY(db::TenantRow t, db::TenantStore(tx).find(tenant));
  Exported out;
  SIGIL_TRY(out.payload, read_payload(tx, t, secrets));
  out.payload.exported_at = format_rfc3339(now);
  out.payload.exported_by = a.actor;
  out.payload.source_deployment = d.cfg->tls.hostname;
  SIGIL_TRY(auto cert, own_server_cert(tx, d.master_key));
  if (!cert) {
    return fail(Errc::kNotFound,
                "this deployment has no default server certificate in the database to sign the "
                "bundle with; create one with `sigilctl server-cert self-signed` (or csr + "
                "import)");
  }
  const std::string payload = bundle::serialize_payload(out.payload);
  std::span<const crypto::X509Ptr> chain(cert->certs.begin() + 1, cert->certs.end());
  SIGIL_TRY(std::vector<std::uint8_t> signature,
            bundle::sign(payload, cert->key.get(), cert->certs.front().get(), chain));
  SIGIL_TRY(out.signer, bundle::signer_of(cert->certs.front().get()));
  out.file = bundle::serialize_envelope(payload, signature);
  if (out.file.size() > bundle::kMaxBundleBytes) {
    return fail(Errc::kPayloadTooLarge, "the bundle would be " + std::to_string(out.file.size()) +
                                            " bytes, more than an import accepts (" +
                                            std::to_string(bundle::kMaxBundleBytes) + ")");
  }
  json::object v = signer_json(out.signer);
  v["include_secrets"] = secrets;
  v["users"] = out.payload.users.size();
  v["solution_users"] = out.payload.solution_users.size();
  SIGIL_TRY_VOID(audit(tx, a.actor, t.name, "bundle.export", v,
                       secrets ? "configuration bundle exported WITH password hashes"
                               : "configuration bundle exported"));
  return out;
}

json::object counts_json(const bundle::Counts& c) {
  return {{"created", c.created}, {"updated", c.updated}, {"unchanged", c.unchanged}};
}

json::object summary_json(const bundle::ImportSummary& s, const bundle::Payload& p) {
  json::object users = counts_json(s.users);
  users["created_without_password"] = s.users_without_password;
  json::object o{{"tenant", s.tenant},
                 {"tenant_created", s.tenant_created},
                 {"policy_changed", s.policy_changed},
                 {"hostnames", counts_json(s.hostnames)},
                 {"users", std::move(users)},
                 {"solution_users", counts_json(s.solution_users)},
                 {"source_deployment", p.source_deployment},
                 {"exported_at", p.exported_at},
                 {"exported_by", p.exported_by}};
  o["signing_key_id"] = s.signing_key_id ? json::value(*s.signing_key_id) : json::value(nullptr);
  o["not_imported"] =
      std::to_string(p.signing_certificates.size()) + " signing and " +
      std::to_string(p.ca_certificates.size()) +
      " CA certificate(s) in the bundle are not imported: key material moves by linked peers "
      "or `sigilctl signing-cert import`";
  return o;
}

// What the import's transaction decided about the signer.
struct Trust {
  std::string how;  // "own-certificate", "trusted-list", "trusted-now"
};

Result<Trust> check_signer(pqxx::dbtransaction& tx, const bundle::Signer& signer, bool trust,
                           const std::string& actor, const std::string& tenant) {
  SIGIL_TRY(auto own, own_server_cert(tx, nullptr));
  if (own) {
    SIGIL_TRY(bundle::Signer me, bundle::signer_of(own->certs.front().get()));
    if (me.sha256_hex == signer.sha256_hex) return Trust{"own-certificate"};
  }
  db::BundleStore store(tx);
  SIGIL_TRY(bool listed, store.is_trusted(signer.sha256_hex));
  if (listed) return Trust{"trusted-list"};
  if (!trust) {
    return fail(Errc::kPermissionDenied,
                "the bundle is signed by a certificate this deployment does not trust: subject " +
                    signer.subject + ", SHA-256 " + signer.sha256_fingerprint +
                    "; compare the fingerprint with the exporting deployment's server "
                    "certificate (sigilctl server-cert show there), then re-run with --trust; "
                    "nothing imported");
  }
  SIGIL_TRY(bool added, store.trust(signer.sha256_hex, signer.subject, actor));
  (void)added;
  SIGIL_TRY_VOID(audit(tx, actor, tenant, "bundle.trust-signer", signer_json(signer),
                       "bundle signer added to the trusted list (import --trust)"));
  return Trust{"trusted-now"};
}

struct ImportRequest {
  std::string bundle_text;
  bool trust = false;
  bool dry_run = false;
};

Result<ImportRequest> import_request(const http::Request& r) {
  http::JsonBodyRules rules;
  rules.max_bytes = kMaxImportBody;
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(http::JsonFields f, http::JsonFields::parse(content_type, r.message.body(),
                                                        {"bundle", "trust", "dry_run"}, rules));
  ImportRequest out;
  SIGIL_TRY(std::string_view text, f.required_string("bundle", bundle::kMaxBundleBytes));
  out.bundle_text = std::string(text);
  SIGIL_TRY(auto trust, f.boolean("trust"));
  SIGIL_TRY(auto dry_run, f.boolean("dry_run"));
  out.trust = trust.value_or(false);
  out.dry_run = dry_run.value_or(false);
  return out;
}

// A bundle whose signature verified, its payload parsed and checked.
struct OpenedBundle {
  bundle::Signer signer;
  bundle::Payload payload;
};

Result<OpenedBundle> open_bundle(const AdminDeps& d, const http::Request& r,
                                 const ImportRequest& req) {
  SIGIL_TRY(bundle::Envelope env, bundle::parse_envelope(req.bundle_text));
  auto verified = bundle::verify(env.payload, env.signature);
  if (!verified) {
    Error e = std::move(verified).error();
    // A bad file, not a bad credential: 400, whatever --trust says.
    if (e.code == Errc::kSignatureInvalid) e.code = Errc::kInvalidArgument;
    return unexpected(std::move(e));
  }
  OpenedBundle out;
  out.signer = std::move(*verified);
  // Parsed only now, from the bytes that verified.
  SIGIL_TRY(out.payload, bundle::parse_payload(env.payload));
  SIGIL_TRY_VOID(bundle::check_payload(out.payload));
  const std::string path_tenant(r.param("tenant"));
  if (!d.auth->is_system_tenant(path_tenant) &&
      !equal_ignoring_ascii_case(path_tenant, out.payload.tenant)) {
    return fail(Errc::kInvalidArgument, "the bundle is for tenant " + out.payload.tenant +
                                            ", not " + path_tenant + "; nothing imported");
  }
  return out;
}

struct Outcome {
  bundle::ImportSummary summary;
  Trust trust;
};

// The import's one transaction; a dry run computes everything, then rolls back.
Result<Outcome> run_import(const AdminDeps& d, const AdminActor& admin, const OpenedBundle& b,
                           const ImportRequest& req) {
  SIGIL_TRY(SchedulerOptions options, scheduler_options(*d.cfg));
  bundle::ApplyContext ctx;
  ctx.master_key = d.master_key;
  ctx.options = &options;
  ctx.actor = admin.actor;
  ctx.now = d.clock->now();
  std::optional<Outcome> dry;
  auto done =
      db::transact(*d.pool, "admin.bundle.import", [&](pqxx::dbtransaction& tx) -> Result<Outcome> {
        dry.reset();
        Outcome o;
        SIGIL_TRY(o.trust, check_signer(tx, b.signer, req.trust, admin.actor, b.payload.tenant));
        SIGIL_TRY(o.summary, bundle::apply(tx, ctx, b.payload));
        json::object v = summary_json(o.summary, b.payload);
        v["signer"] = signer_json(b.signer);
        SIGIL_TRY_VOID(audit(tx, admin.actor, o.summary.tenant, "bundle.import", v,
                             "configuration bundle imported"));
        if (req.dry_run) {
          dry = std::move(o);
          return fail(Errc::kConflict, "dry run: rolled back");
        }
        return o;
      });
  if (done) return done;
  if (dry) return std::move(*dry);
  return unexpected(done.error());
}

}  // namespace

Result<Reply> export_bundle(const AdminDeps& d, http::Request& r, const AdminActor& a) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(JsonFields f, JsonFields::parse(content_type, r.message.body(), {"include_secrets"}));
  SIGIL_TRY(auto secrets_field, f.boolean("include_secrets"));
  const bool secrets = secrets_field.value_or(false);
  const std::string tenant(r.param("tenant"));
  const TimePoint now = d.clock->now();
  db::TransactOptions consistent;  // one snapshot of the tenant's rows
  consistent.isolation = db::Isolation::kRepeatableRead;
  SIGIL_TRY(Exported e,
            db::transact(
                *d.pool, "admin.bundle.export",
                [&](pqxx::dbtransaction& tx) { return export_in(tx, d, a, tenant, secrets, now); },
                consistent));
  // Password hashes leaving the deployment are worth a warning.
  d.log->write(secrets ? log::Level::kWarn : log::Level::kInfo, "bundle.exported",
               {{"tenant", e.payload.tenant},
                {"actor", a.actor},
                {"secrets", secrets},
                {"signer_sha256", e.signer.sha256_hex}});
  return reply_of(json::object{{"tenant", e.payload.tenant},
                               {"include_secrets", secrets},
                               {"signer", signer_json(e.signer)},
                               {"users", e.payload.users.size()},
                               {"solution_users", e.payload.solution_users.size()},
                               {"hostnames", e.payload.hostnames.size()},
                               {"bundle", e.file}});
}

Result<Reply> import_bundle(const AdminDeps& d, http::Request& r, const AdminActor& admin) {
  // `admin` is a system-tenant administrator: the route is Access::kDeployment.
  SIGIL_TRY(ImportRequest req, import_request(r));
  SIGIL_TRY(OpenedBundle b, open_bundle(d, r, req));
  SIGIL_TRY(Outcome out, run_import(d, admin, b, req));
  json::object body = summary_json(out.summary, b.payload);
  body["dry_run"] = req.dry_run;
  json::object s = signer_json(b.signer);
  s["trust"] = req.dry_run && out.trust.how == "trusted-now" ? "would-be-trusted" : out.trust.how;
  body["signer"] = std::move(s);
  d.log->info("bundle.imported", {{"tenant", out.summary.tenant},
                                  {"actor", admin.actor},
                                  {"dry_run", req.dry_run},
                                  {"signer_sha256", b.signer.sha256_hex},
                                  {"trust", out.trust.how},
                                  {"tenant_created", out.summary.tenant_created}});
  return reply_of(std::move(body));
}

Result<Reply> list_trusted_signers(const AdminDeps& d, http::Request&, const AdminActor&) {
  struct Listed {
    std::vector<db::TrustedSignerRow> rows;
    std::optional<bundle::Signer> own;
  };
  SIGIL_TRY(Listed l, db::transact(*d.pool, "admin.bundle.trusted-signers",
                                   [&](pqxx::dbtransaction& tx) -> Result<Listed> {
                                     Listed out;
                                     SIGIL_TRY(out.rows, db::BundleStore(tx).trusted_signers());
                                     SIGIL_TRY(auto own, own_server_cert(tx, nullptr));
                                     if (own) {
                                       SIGIL_TRY(out.own,
                                                 bundle::signer_of(own->certs.front().get()));
                                     }
                                     return out;
                                   }));
  json::array signers;
  for (const auto& row : l.rows) {
    signers.push_back(json::object{{"sha256", row.sha256},
                                   {"subject", row.subject},
                                   {"added_at", format_rfc3339(row.added_at)},
                                   {"added_by", row.added_by}});
  }
  json::object body;
  body["own_certificate"] = l.own ? json::value(signer_json(*l.own)) : json::value(nullptr);
  body["trusted_signers"] = std::move(signers);
  return reply_of(std::move(body));
}

}  // namespace sigil::certmgr::admin
