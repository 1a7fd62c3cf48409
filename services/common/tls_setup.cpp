#include "sigil/service/tls_setup.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <string>

#include <openssl/x509v3.h>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "tls_files.hpp"

namespace sigil::service {
namespace {

using namespace std::chrono_literals;

constexpr auto kSelfSignedValidity = 24h * 365;
constexpr auto kBackdate = 5min;  // tolerate clients whose clock is a little behind
constexpr std::size_t kMaxCommonName = 64;

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Result<void> check_validity(X509* leaf, const std::filesystem::path& path, const Clock& clock,
                            bool self_signed_pair) {
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(leaf));
  TimePoint now = clock.now();
  std::string hint = self_signed_pair ? "; remove " + path.parent_path().string() +
                                            " to create a new self-signed certificate"
                                      : "";
  if (now < info.not_before) {
    return fail(Errc::kInvalidArgument, "TLS certificate " + path.string() +
                                            " is not valid before " +
                                            format_rfc3339(info.not_before) + hint);
  }
  if (now >= info.not_after) {
    return fail(Errc::kInvalidArgument, "TLS certificate " + path.string() + " expired at " +
                                            format_rfc3339(info.not_after) + hint);
  }
  return {};
}

Result<ServerCertificate> load_pair(const std::filesystem::path& cert_path,
                                    const std::filesystem::path& key_path, const Clock& clock,
                                    const log::Logger& logger, bool self_signed_pair) {
  SIGIL_TRY(crypto::SecretString cert_pem, detail::read_small_file(cert_path, "TLS certificate"));
  auto chain = crypto::parse_certificate_bundle(cert_pem.view());
  if (!chain) {
    return fail(Errc::kInvalidArgument,
                "TLS certificate " + cert_path.string() + ": " + chain.error().message,
                chain.error().detail);
  }
  SIGIL_TRY(crypto::SecretString key_pem, detail::read_small_file(key_path, "TLS key"));
  auto key = crypto::read_private_key_pem(key_pem.view());
  if (!key) {
    return fail(Errc::kInvalidArgument, "TLS key " + key_path.string() + ": " + key.error().message,
                key.error().detail);
  }
  if (!crypto::key_matches_certificate(key->get(), chain->front().get())) {
    crypto::drain_openssl_errors();
    return fail(
        Errc::kInvalidArgument,
        "TLS key " + key_path.string() + " does not match the certificate " + cert_path.string());
  }
  SIGIL_TRY_VOID(check_validity(chain->front().get(), cert_path, clock, self_signed_pair));
  int mode = detail::file_mode(key_path);
  if (mode > 0 && (mode & 077) != 0) {
    logger.warn("tls.key_file_permissions",
                {{"path", key_path.string()}, {"reason", "readable by group or others"}});
  }
  ServerCertificate out;
  out.key = std::move(key).value();
  out.chain = std::move(chain).value();
  out.cert_path = cert_path;
  out.key_path = key_path;
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(out.chain.front().get()));
  out.sha256_fingerprint = info.sha256_fingerprint;
  return out;
}

// issue_certificate writes DNS names only; this replaces the subjectAltName with DNS and IP
// entries and signs again. The names were checked by issue_certificate or inet_pton, so the
// configuration string cannot carry anything else.
Result<void> set_alt_names(X509* cert, EVP_PKEY* key, const std::vector<std::string>& dns,
                           const std::vector<std::string>& ips) {
  std::string value;
  for (const auto& d : dns) value += (value.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : ips) value += (value.empty() ? "IP:" : ",IP:") + ip;
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr ext(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_subject_alt_name, value.c_str()));
  if (!ext) return crypto::crypto_error("building subjectAltName");
  int old_index = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
  if (old_index >= 0) crypto::X509ExtensionPtr old(X509_delete_ext(cert, old_index));
  // X509_add_ext copies the extension.
  if (X509_add_ext(cert, ext.get(), -1) != 1 || X509_sign(cert, key, EVP_sha256()) <= 0) {
    return crypto::crypto_error("adding subjectAltName");
  }
  return {};
}

Result<crypto::X509Ptr> self_signed_certificate(EVP_PKEY* key, std::string host, TimePoint now) {
  if (host.empty()) host = "localhost";
  bool ip = is_ip_literal(host);
  std::vector<std::string> dns;
  if (!ip) dns.push_back(host);
  if (host != "localhost") dns.push_back("localhost");
  std::vector<std::string> ips = {"127.0.0.1", "::1"};
  if (ip && host != ips[0] && host != ips[1]) ips.push_back(host);
  crypto::CertRequest r;
  r.subject.common_name = host.size() <= kMaxCommonName ? host : "localhost";
  r.dns_names = dns;
  r.subject_key = key;
  r.issuer_key = key;
  r.not_before = now - kBackdate;
  r.not_after = now + kSelfSignedValidity;
  r.key_usage.digital_signature = true;
  r.extended_key_usage = crypto::ExtendedKeyUsage{.server_auth = true, .client_auth = false};
  auto cert = crypto::issue_certificate(r);
  if (!cert) {
    return fail(Errc::kInvalidArgument,
                "cannot create a TLS certificate for '" + host + "': " + cert.error().message,
                cert.error().detail);
  }
  SIGIL_TRY_VOID(set_alt_names(cert->get(), key, dns, ips));
  return cert;
}

Result<ServerCertificate> create_pair(const std::filesystem::path& cert_path,
                                      const std::filesystem::path& key_path,
                                      std::string_view hostname, const Clock& clock,
                                      const log::Logger& logger) {
  SIGIL_TRY_VOID(detail::make_private_dir(cert_path.parent_path()));
  ServerCertificate out;
  SIGIL_TRY(out.key, crypto::generate_key(crypto::KeyType::kEcdsaP256));
  SIGIL_TRY(crypto::X509Ptr cert,
            self_signed_certificate(out.key.get(), std::string(hostname), clock.now()));
  SIGIL_TRY(crypto::SecretString key_pem, crypto::write_private_key_pem(out.key.get()));
  SIGIL_TRY(std::string cert_pem, crypto::write_certificate_pem(cert.get()));
  SIGIL_TRY(crypto::CertInfo info, crypto::describe(cert.get()));
  SIGIL_TRY_VOID(detail::write_new_file(key_path, key_pem.view(), 0600, "TLS key"));
  if (auto r = detail::write_new_file(cert_path, cert_pem, 0644, "TLS certificate"); !r) {
    std::error_code ignored;
    std::filesystem::remove(key_path, ignored);  // no key without its certificate
    return unexpected(std::move(r).error());
  }
  logger.info("tls.self_signed_created",
              {{"path", cert_path.string()}, {"sha256", info.sha256_fingerprint}});
  out.chain.push_back(std::move(cert));
  out.cert_path = cert_path;
  out.key_path = key_path;
  out.created = true;
  out.sha256_fingerprint = info.sha256_fingerprint;
  return out;
}

}  // namespace

Result<ServerCertificate> load_or_create_server_certificate(
    const std::filesystem::path& home, std::string_view cert_file, std::string_view key_file,
    std::string_view hostname, const Clock& clock, const log::Logger& logger) {
  if (cert_file.empty() != key_file.empty()) {
    return fail(Errc::kInvalidArgument,
                "set both the TLS certificate file and the TLS key file, or neither");
  }
  if (!cert_file.empty()) return load_pair(cert_file, key_file, clock, logger, false);
  const std::filesystem::path dir = home / "tls";
  const std::filesystem::path cert_path = dir / "server.crt";
  const std::filesystem::path key_path = dir / "server.key";
  std::error_code ec;
  bool has_cert = std::filesystem::exists(std::filesystem::symlink_status(cert_path, ec));
  bool has_key = std::filesystem::exists(std::filesystem::symlink_status(key_path, ec));
  if (has_cert && has_key) return load_pair(cert_path, key_path, clock, logger, true);
  if (has_cert || has_key) {
    const auto& present = has_cert ? cert_path : key_path;
    const auto& missing = has_cert ? key_path : cert_path;
    return fail(Errc::kInvalidArgument, "found " + present.string() + " without " +
                                            missing.string() +
                                            "; restore it, or remove both to create a new "
                                            "self-signed certificate");
  }
  return create_pair(cert_path, key_path, hostname, clock, logger);
}

crypto::ServerTlsConfig server_tls_config(const ServerCertificate& cert) {
  crypto::ServerTlsConfig cfg;
  cfg.key = cert.key.get();
  if (!cert.chain.empty()) cfg.certificate = cert.chain.front().get();
  for (std::size_t i = 1; i < cert.chain.size(); ++i) cfg.chain.push_back(cert.chain[i].get());
  return cfg;
}

}  // namespace sigil::service
