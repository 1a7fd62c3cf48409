#include "certmgr/peers/admin_routes.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "certmgr/admin/json_body.hpp"
#include "certmgr/admin/views.hpp"
#include "certmgr/peers/peer_trust.hpp"

#include "sigil/crypto/x509.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/ca_store.hpp"
#include "sigil/db/peer_store.hpp"
#include "sigil/db/transact.hpp"
#include "sigil/http/address.hpp"

namespace sigil::certmgr::peers {
namespace {

namespace json = boost::json;
constexpr std::size_t kMaxBundleBytes = 64 * 1024;

json::object peer_json(const db::PeerRow& p) {
  json::object o{{"url", p.url},
                 {"last_acked_seq", p.last_acked_seq},
                 {"lag", p.lag},
                 {"last_applied_seq", p.last_applied_seq}};
  o["last_contact_at"] = admin::time_json(p.last_contact_at);
  o["last_acked_at"] = admin::time_json(p.last_acked_at);
  o["last_error"] = p.last_error ? json::value(*p.last_error) : json::value(nullptr);
  o["created_at"] = admin::time_json(p.created_at);
  return o;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kUnavailable, "cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<void> audit(pqxx::dbtransaction& tx, const admin::AdminActor& actor, std::string action,
                   const std::string& url) {
  db::AuditEntry e;
  e.actor = actor.actor;
  e.action = std::move(action);
  e.target = url;
  return db::AuditLogStore(tx).append(e);
}

}  // namespace

Result<std::string> canonical_peer_url(std::string_view url) {
  if (!url.starts_with("https://")) {
    return fail(
        Errc::kInvalidArgument,
        "the peer URL must be https://HOST:PORT (its certmgr admin API), not " + std::string(url));
  }
  auto parsed = http::parse_url(url);
  if (!parsed || parsed->host_port.host.empty() ||
      parsed->host_port.host.find('@') != std::string::npos) {
    return fail(Errc::kInvalidArgument, "not a valid peer URL: " + std::string(url));
  }
  if (parsed->target != "/" && !parsed->target.empty()) {
    return fail(Errc::kInvalidArgument,
                "the peer URL is the certmgr admin base URL, without a path: " + std::string(url));
  }
  const std::string& host = parsed->host_port.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(parsed->host_port.port);
}

Result<admin::Reply> list_peers(const admin::AdminDeps& d, http::Request&,
                                const admin::AdminActor&) {
  SIGIL_TRY(std::vector<db::PeerRow> rows,
            db::transact(*d.pool, "admin.peers",
                         [](pqxx::dbtransaction& tx) { return db::PeerStore(tx).list(); }));
  SIGIL_TRY(std::int64_t max_seq, db::transact(*d.pool, "admin.peers", [](pqxx::dbtransaction& tx) {
              return db::PeerStore(tx).max_seq();
            }));
  json::array peers;
  for (const auto& p : rows) peers.push_back(peer_json(p));
  admin::Reply out;
  out.body = json::object{{"last_seq", max_seq}, {"peers", std::move(peers)}};
  return out;
}

Result<admin::Reply> add_peer(const admin::AdminDeps& d, http::Request& r,
                              const admin::AdminActor& actor) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(admin::JsonFields f,
            admin::JsonFields::parse(content_type, r.message.body(), {"url", "ca_pem"}));
  SIGIL_TRY(std::string_view url_text, f.required_string("url", 2048));
  SIGIL_TRY(std::string_view ca_pem, f.required_string("ca_pem", kMaxBundleBytes));
  SIGIL_TRY(std::string url, canonical_peer_url(url_text));
  SIGIL_TRY_VOID(check_trust_bundle(ca_pem));
  SIGIL_TRY(
      db::PeerRow row,
      db::transact(*d.pool, "admin.peer-add", [&](pqxx::dbtransaction& tx) -> Result<db::PeerRow> {
        SIGIL_TRY(db::PeerRow added, db::PeerStore(tx).add(url, ca_pem));
        SIGIL_TRY_VOID(audit(tx, actor, "peer.add", url));
        return added;
      }));
  admin::Reply out;
  out.status = 201;
  out.body = peer_json(row);
  return out;
}

Result<admin::Reply> remove_peer(const admin::AdminDeps& d, http::Request& r,
                                 const admin::AdminActor& actor) {
  const std::string content_type(r.message[boost::beast::http::field::content_type]);
  SIGIL_TRY(admin::JsonFields f, admin::JsonFields::parse(content_type, r.message.body(), {"url"}));
  SIGIL_TRY(std::string_view url_text, f.required_string("url", 2048));
  SIGIL_TRY(std::string url, canonical_peer_url(url_text));
  SIGIL_TRY(db::PeerRow row, db::transact(*d.pool, "admin.peer-remove",
                                          [&](pqxx::dbtransaction& tx) -> Result<db::PeerRow> {
                                            SIGIL_TRY(db::PeerRow gone,
                                                      db::PeerStore(tx).remove(url));
                                            SIGIL_TRY_VOID(audit(tx, actor, "peer.remove", url));
                                            return gone;
                                          }));
  admin::Reply out;
  out.body = json::object{{"removed", row.url}};
  return out;
}

Result<admin::Reply> peer_identity(const admin::AdminDeps& d, http::Request&,
                                   const admin::AdminActor&) {
  SIGIL_TRY(std::optional<db::CaRow> ca,
            db::transact(*d.pool, "admin.peer-identity",
                         [](pqxx::dbtransaction& tx) { return db::CaStore(tx).active(); }));
  if (!ca) {
    return fail(Errc::kUnavailable,
                "the deployment has no built-in CA yet (certmgr creates it at its first pass)");
  }
  const std::filesystem::path listener =
      d.cfg->tls.cert_file.empty() ? std::filesystem::path(d.cfg->data.home) / "tls" / "server.crt"
                                   : std::filesystem::path(d.cfg->tls.cert_file);
  SIGIL_TRY(std::string listener_pem, read_file(listener));
  SIGIL_TRY(std::vector<crypto::X509Ptr> chain, crypto::parse_certificate_bundle(listener_pem));
  std::string bundle =
      "# Sigil peer trust bundle: the deployment CA, then the certificate(s) of "
      "certmgr's admin listener\n" +
      ca->certificate_pem;
  for (const auto& c : chain) {
    SIGIL_TRY(std::string pem, crypto::write_certificate_pem(c.get()));
    bundle += pem;
  }
  SIGIL_TRY(crypto::CertInfo listener_info, crypto::describe(chain.front().get()));
  admin::Reply out;
  out.body = json::object{{"bundle_pem", bundle},
                          {"ca_sha256", ca->certificate_sha256},
                          {"listener_sha256_fingerprint", listener_info.sha256_fingerprint}};
  return out;
}

}  // namespace sigil::certmgr::peers
