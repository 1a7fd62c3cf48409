// SigningKeyLoader. The writer (create_self_signed_signing_key) is in self_signed_key.cpp.

#include "sts/keys/tenant_keys.hpp"

#include <utility>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/signing_key_store.hpp"
#include "sigil/db/tenant_store.hpp"
#include "sigil/db/transact.hpp"

namespace sigil::sts::keys {
namespace {

constexpr std::string_view kSelfTestMessage = "sigil signing key self-test";

struct Snapshot {
  db::TenantRow tenant;
  std::vector<db::SigningKeyRow> keys;
  std::vector<db::SigningKeyRow> pending;
};

// The certificates of a row, checked against the digest stored next to them.
Result<TenantKeys::Key> key_of(const db::SigningKeyRow& row) {
  SIGIL_TRY(std::vector<crypto::X509Ptr> certs,
            crypto::parse_certificate_bundle(row.certificate_chain_pem));
  TenantKeys::Key key;
  for (const crypto::X509Ptr& cert : certs) {
    SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cert.get()));
    if (key.chain_der_b64.empty() &&
        crypto::hex_encode(crypto::sha256(der)) != row.certificate_sha256) {
      return fail(Errc::kInternal, "certificate does not match the stored SHA-256");
    }
    key.chain_der_b64.push_back(crypto::base64_encode(der));
  }
  key.cert = std::move(certs.front());
  for (std::size_t i = 1; i < certs.size(); ++i) key.chain.push_back(std::move(certs[i]));
  key.key_id = row.key_id;
  key.state = std::string(db::state_name(row.state));
  key.algorithm = row.algorithm;
  key.not_before = row.not_before;
  key.not_after = row.not_after;
  key.verify_until = row.verify_until;
  return key;
}

// The decrypted key must be the certificate's, and must produce signatures it verifies.
Result<void> self_check(EVP_PKEY* key, X509* cert) {
  if (!crypto::key_matches_certificate(key, cert)) {
    return fail(Errc::kInternal, "does not match its certificate");
  }
  const crypto::ByteView message = crypto::bytes_of(kSelfTestMessage);
  auto signature = crypto::sign(key, crypto::Digest::kSha256, message);
  if (!signature) return fail(Errc::kInternal, "cannot sign", signature.error().to_string());
  auto verified =
      crypto::verify(X509_get0_pubkey(cert), crypto::Digest::kSha256, message, *signature);
  if (!verified) {
    return fail(Errc::kInternal, "signature does not verify", verified.error().to_string());
  }
  return {};
}

Result<Snapshot> read_snapshot(db::ConnectionPool& pool, std::string_view tenant, TimePoint now) {
  db::TransactOptions options;
  options.isolation = db::Isolation::kRepeatableRead;  // generation and keys from one snapshot
  return db::transact(
      pool, "load signing keys",
      [&](pqxx::dbtransaction& tx) -> Result<Snapshot> {
        Snapshot s;
        SIGIL_TRY(s.tenant, db::TenantStore(tx).find(tenant));
        SIGIL_TRY(s.keys, db::SigningKeyStore(tx).list_verifying(s.tenant.id, now));
        SIGIL_TRY(std::vector<db::SigningKeyRow> all, db::SigningKeyStore(tx).list(s.tenant.id));
        for (auto& row : all) {
          if (row.state == db::SigningKeyState::kPending) s.pending.push_back(std::move(row));
        }
        return s;
      },
      options);
}

}  // namespace

Result<crypto::EvpPkeyPtr> SigningKeyLoader::open_active_key(const std::string& tenant,
                                                             const std::string& key_id,
                                                             const std::string& ciphertext,
                                                             const TenantKeys::Key& key) {
  const std::string what = "signing key " + key_id + " of tenant " + tenant;
  const std::string sealed_with = crypto::master_key_id_of(ciphertext);
  if (!sealed_with.empty() && sealed_with != master_key_.id()) {
    log_.error("keys.wrong_master_key", {{"tenant", tenant},
                                         {"key_id", key_id},
                                         {"needs", sealed_with},
                                         {"loaded", master_key_.id()}});
    return fail(Errc::kDecryptFailed, what + " is sealed with master key " + sealed_with +
                                          ", but the loaded master key is " + master_key_.id());
  }
  auto opened = crypto::open_private_key(master_key_, ciphertext, signing_key_aad(tenant, key_id));
  if (!opened) {
    log_.error("keys.open_failed",
               {{"tenant", tenant}, {"key_id", key_id}, {"error", opened.error().to_string()}});
    return fail(Errc::kDecryptFailed,
                what + " does not decrypt (altered, or moved from another row)",
                opened.error().to_string());
  }
  if (auto checked = self_check(opened->get(), key.cert.get()); !checked) {
    log_.error("keys.self_check_failed",
               {{"tenant", tenant}, {"key_id", key_id}, {"error", checked.error().to_string()}});
    return fail(Errc::kInternal, what + " is unusable: " + checked.error().message,
                checked.error().detail);
  }
  return std::move(opened).value();
}

Result<std::shared_ptr<const TenantKeys>> SigningKeyLoader::load(std::string_view tenant) {
  if (!db::is_valid_tenant_name(tenant)) return fail(Errc::kNotFound, "no such tenant");
  const TimePoint now = clock_ != nullptr ? clock_->now() : SystemClock().now();
  SIGIL_TRY(Snapshot snap, read_snapshot(pool_, tenant, now));
  const std::string& name = snap.tenant.name;
  if (snap.keys.empty() || snap.keys.front().state != db::SigningKeyState::kActive) {
    return fail(Errc::kKeyNotFound, "tenant " + name + " has no active signing key");
  }
  auto out = std::make_shared<TenantKeys>();
  out->tenant = name;
  out->generation = snap.tenant.keyset_generation;
  out->tenant_row = snap.tenant;
  for (const db::SigningKeyRow& row : snap.keys) {
    auto key = key_of(row);
    if (key) {
      out->verifying.push_back(std::move(key).value());
      continue;
    }
    log_.error("keys.unreadable_certificate",
               {{"tenant", name}, {"key_id", row.key_id}, {"error", key.error().to_string()}});
    if (row.state == db::SigningKeyState::kActive) {
      return fail(Errc::kInternal, "signing key " + row.key_id + " of tenant " + name +
                                       " has an unreadable certificate");
    }
  }
  for (const db::SigningKeyRow& row : snap.pending) {
    auto key = key_of(row);
    if (key) {
      out->pending.push_back(std::move(key).value());
    } else {
      log_.error("keys.unreadable_certificate",
                 {{"tenant", name}, {"key_id", row.key_id}, {"error", key.error().to_string()}});
    }
  }
  const db::SigningKeyRow& active = snap.keys.front();
  SIGIL_TRY(
      out->active_private_key,
      open_active_key(name, active.key_id, active.private_key_ciphertext, out->verifying.front()));
  out->active_index = 0;
  return std::shared_ptr<const TenantKeys>(std::move(out));
}

}  // namespace sigil::sts::keys
