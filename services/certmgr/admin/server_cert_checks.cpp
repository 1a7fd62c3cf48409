// The checks of a server-certificate import (server_cert_checks.hpp).

#include "certmgr/admin/server_cert_checks.hpp"

#include "certmgr/admin/server_cert_routes.hpp"
#include "sigil/base/ascii.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/keys.hpp"

namespace sigil::certmgr::admin {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Result<ParsedCerts> parse_certs(std::string_view cert_pem,
                                std::optional<std::string_view> chain_pem) {
  auto certs = crypto::parse_certificate_bundle(cert_pem);
  if (!certs) {
    return fail(Errc::kInvalidArgument, "field 'certificate' holds no PEM certificate");
  }
  ParsedCerts p;
  for (std::size_t i = 1; i < certs->size(); ++i) p.chain.push_back(std::move((*certs)[i]));
  if (chain_pem && !chain_pem->empty()) {
    auto more = crypto::parse_certificate_bundle(*chain_pem);
    if (!more) return fail(Errc::kInvalidArgument, "field 'chain' holds no PEM certificate");
    for (auto& c : *more) p.chain.push_back(std::move(c));
  }
  p.leaf = std::move(certs->front());
  SIGIL_TRY(p.info, crypto::describe(p.leaf.get()));
  return p;
}

// The checks every import makes after the key's: the names in `must_cover` (the CSR's names, or
// the hostname), validity now, fit for a TLS server, and the chain. Returns the chain to store:
// leaf, then intermediates, then roots.
Result<std::string> check_certificate(ParsedCerts& p, const std::vector<std::string>& must_cover,
                                      std::string_view cover_note, TimePoint now) {
  const crypto::CertInfo& info = p.info;
  for (const auto& name : must_cover) {
    bool covered = false;
    for (const auto& pattern : info.dns_names) covered = covered || dns_name_covers(pattern, name);
    if (!covered) {
      return fail(Errc::kInvalidArgument,
                  "the certificate does not cover the hostname " + name +
                      " (its subjectAltName DNS names: " + joined(info.dns_names) + ")" +
                      std::string(cover_note) + "; nothing changed");
    }
  }
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
  std::vector<crypto::X509Ptr> ordered;
  if (!p.chain.empty()) {
    std::vector<crypto::X509Ptr> roots;
    std::vector<crypto::X509Ptr> intermediates;
    for (auto& c : p.chain) {
      SIGIL_TRY(crypto::CertInfo ci, crypto::describe(c.get()));
      (ci.subject == ci.issuer ? roots : intermediates).push_back(std::move(c));
    }
    p.chain.clear();
    if (roots.empty()) {
      return fail(Errc::kInvalidArgument,
                  "the chain must end with the root CA certificate (self-signed); nothing "
                  "changed");
    }
    auto verified = crypto::verify_chain(p.leaf.get(), intermediates, roots, now);
    if (!verified) {
      return fail(Errc::kInvalidArgument, verified.error().message + "; nothing changed",
                  verified.error().detail);
    }
    for (auto& c : intermediates) ordered.push_back(std::move(c));
    for (auto& c : roots) ordered.push_back(std::move(c));
  }
  SIGIL_TRY(std::string chain_pem, crypto::write_certificate_pem(p.leaf.get()));
  for (const auto& c : ordered) {
    SIGIL_TRY(std::string pem, crypto::write_certificate_pem(c.get()));
    chain_pem += pem;
  }
  return chain_pem;
}

Result<CheckedImport> check_import(const AdminDeps& d, const db::ServerCertRow& pending,
                                   std::string_view cert_pem,
                                   std::optional<std::string_view> chain_pem, TimePoint now) {
  SIGIL_TRY(ParsedCerts p, parse_certs(cert_pem, chain_pem));
  // 1. The key: the certificate must certify the pending CSR's key.
  SIGIL_TRY(crypto::EvpPkeyPtr key,
            crypto::open_private_key(*d.master_key, pending.private_key_ciphertext,
                                     db::server_cert_aad(pending.hostname)));
  if (!crypto::key_matches_certificate(key.get(), p.leaf.get())) {
    return fail(Errc::kInvalidArgument,
                "the certificate is not for the pending CSR's key (its public key differs); "
                "sign the CSR from `sigilctl server-cert csr`; nothing changed");
  }
  // 2. The names: every DNS name the CSR asked for; 3. validity, serverAuth, not a CA; 4. chain.
  SIGIL_TRY(crypto::X509ReqPtr csr, crypto::parse_csr_pem(pending.csr_pem.value_or("")));
  SIGIL_TRY(crypto::CsrInfo csr_info, crypto::describe(csr.get()));
  CheckedImport out;
  out.pending_id = pending.id;
  SIGIL_TRY(out.chain_pem, check_certificate(p, csr_info.dns_names, "", now));
  out.leaf = std::move(p.info);
  return out;
}

Result<CheckedKeyImport> check_key_import(const AdminDeps& d, const std::string& hostname,
                                          std::string_view cert_pem,
                                          std::optional<std::string_view> chain_pem,
                                          std::string_view key_pem, TimePoint now) {
  // 1. The key: unencrypted PEM (never a passphrase prompt), an allowed type, the certificate's.
  if (key_pem.find("ENCRYPTED") != std::string_view::npos) {
    return fail(Errc::kInvalidArgument,
                "field 'key_pem': the private key is encrypted; decrypt it first (openssl pkey "
                "-in KEY -out PLAIN.key) and keep the plain file safe; nothing changed");
  }
  auto key = crypto::read_private_key_pem(key_pem);
  if (!key) {
    return fail(Errc::kInvalidArgument,
                key.error().code == Errc::kInvalidArgument
                    ? "field 'key_pem': the private key is encrypted; decrypt it first (openssl "
                      "pkey -in KEY -out PLAIN.key); nothing changed"
                    : "field 'key_pem' holds no PEM private key; nothing changed",
                key.error().detail);
  }
  const crypto::KeyInfo key_info = crypto::describe(key->get());
  SIGIL_TRY_VOID(check_server_key_type(key_info));
  SIGIL_TRY(ParsedCerts p, parse_certs(cert_pem, chain_pem));
  if (!crypto::key_matches_certificate(key->get(), p.leaf.get())) {
    return fail(Errc::kInvalidArgument,
                "the private key does not match the certificate (its public key differs); "
                "nothing changed");
  }
  // 2. The names: the hostname; the default certificate, certmgr's --sts-hostname.
  const std::string cover = hostname.empty() ? ascii_lower(d.cfg->tls.sts_hostname) : hostname;
  const std::string note =
      hostname.empty() ? "; the default certificate must cover certmgr's --sts-hostname" : "";
  CheckedKeyImport out;
  SIGIL_TRY(std::string chain, check_certificate(p, {cover}, note, now));
  out.row.hostname = hostname;
  out.row.certificate_chain_pem = std::move(chain);
  SIGIL_TRY(out.row.private_key_ciphertext,
            crypto::seal_private_key(*d.master_key, key->get(), db::server_cert_aad(hostname)));
  out.row.master_key_id = d.master_key->id();
  out.row.self_signed = false;
  out.row.not_before = p.info.not_before;
  out.row.not_after = p.info.not_after;
  out.leaf = std::move(p.info);
  out.key_description = key_info.description;
  return out;
}

bool dns_name_covers(std::string_view pattern, std::string_view name) {
  const std::string p = ascii_lower(pattern);
  const std::string n = ascii_lower(name);
  if (p == n) return true;
  if (p.size() < 3 || p.compare(0, 2, "*.") != 0) return false;
  const auto dot = n.find('.');
  if (dot == std::string::npos || dot == 0) return false;
  return n.compare(dot, std::string::npos, p, 1, std::string::npos) == 0;
}

Result<void> check_server_key_type(const crypto::KeyInfo& key) {
  const bool rsa_ok = key.algorithm == crypto::KeyAlgorithm::kRsa && key.bits >= 2048;
  const bool ec_ok = key.algorithm == crypto::KeyAlgorithm::kEc &&
                     (key.curve == "P-256" || key.curve == "P-384");
  if (rsa_ok || ec_ok) return {};
  return fail(Errc::kInvalidArgument,
              "the private key is " + (key.description.empty() ? "of an unknown type"
                                                               : key.description) +
                  "; a server key must be RSA of at least 2048 bits, ECDSA P-256 or P-384; "
                  "nothing changed");
}

}  // namespace sigil::certmgr::admin
