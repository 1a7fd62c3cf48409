#include "sigil/crypto/tls_context.hpp"

#include <ctime>
#include <memory>
#include <optional>
#include <utility>

#include <openssl/err.h>
#include <openssl/tls1.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::crypto {
namespace {

// TLS 1.2: forward secrecy and AEAD only, ECDSA before RSA, AES-128 first (fast, and as strong
// as the P-256 key exchange it runs under).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
// ALPN wire format: length-prefixed protocol names.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
// Long enough for keep-alive clients that reconnect now and then; a client certificate is not
// re-checked on resumption, so not much longer.
constexpr long kSessionTimeoutSeconds = 3600;
constexpr int kClientVerifyDepth = 5;

Result<void> apply_protocol_policy(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return crypto_error("setting the TLS protocol policy");
  }
  SSL_CTX_set_security_level(ctx, 2);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return {};
}

int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_len,
                const unsigned char* in, unsigned int in_len, void* /*arg*/) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kAlpnHttp11, sizeof kAlpnHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol (RFC 7301 §3.2)
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Result<void> use_certificate(SSL_CTX* ctx, EVP_PKEY* key, X509* cert,
                             const std::vector<X509*>& chain) {
  if (key == nullptr || cert == nullptr) {
    return fail(Errc::kInvalidArgument, "a TLS certificate needs both a certificate and a key");
  }
  if (!key_matches_certificate(key, cert)) {
    ERR_clear_error();
    return fail(Errc::kInvalidArgument, "the TLS private key does not match the certificate");
  }
  if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
    return crypto_error("loading the TLS certificate and key", Errc::kInvalidArgument);
  }
  for (X509* c : chain) {
    // SSL_CTX_add1_chain_cert takes its own reference; `c` stays the caller's.
    if (c == nullptr || SSL_CTX_add1_chain_cert(ctx, c) != 1) {
      return crypto_error("adding a TLS chain certificate", Errc::kInvalidArgument);
    }
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return crypto_error("checking the TLS private key", Errc::kInvalidArgument);
  }
  return {};
}

Result<std::vector<X509Ptr>> parse_roots(std::string_view pem, std::string_view what) {
  auto certs = parse_certificate_bundle(pem);
  if (!certs) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": " + certs.error().message,
                certs.error().detail);
  }
  return std::move(certs).value();
}

Result<X509StorePtr> make_store(const std::vector<X509Ptr>& roots) {
  X509StorePtr store(X509_STORE_new());
  if (!store) return crypto_error("X509_STORE_new");
  for (const X509Ptr& c : roots) {
    // X509_STORE_add_cert takes its own reference.
    if (X509_STORE_add_cert(store.get(), c.get()) != 1) return crypto_error("X509_STORE_add_cert");
  }
  return store;
}

std::time_t now_of(const void* clock) {
  TimePoint now =
      clock != nullptr ? static_cast<const Clock*>(clock)->now() : std::chrono::system_clock::now();
  return std::chrono::system_clock::to_time_t(now);
}

int reject_leaf(X509_STORE_CTX* store_ctx, X509* leaf, int error) {
  X509_STORE_CTX_set_current_cert(store_ctx, leaf);
  X509_STORE_CTX_set_error_depth(store_ctx, 0);
  X509_STORE_CTX_set_error(store_ctx, error);
  return 0;
}

// The check for ClientCertMode kOptional/kRequired without a trust store (see the header): the
// leaf alone, valid now, usable for client auth, and if self-signed, correctly self-signed.
// Replaces X509_verify_cert (SSL_CTX_set_cert_verify_callback).
int verify_any_valid(X509_STORE_CTX* store_ctx, void* clock) {
  X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
  if (leaf == nullptr) return reject_leaf(store_ctx, leaf, X509_V_ERR_UNSPECIFIED);
  std::time_t now = now_of(clock);
  int before = X509_cmp_time(X509_get0_notBefore(leaf), &now);  // -1: notBefore <= now
  int after = X509_cmp_time(X509_get0_notAfter(leaf), &now);    // 1: notAfter > now
  if (before == 0) return reject_leaf(store_ctx, leaf, X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD);
  if (after == 0) return reject_leaf(store_ctx, leaf, X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD);
  if (before != -1) return reject_leaf(store_ctx, leaf, X509_V_ERR_CERT_NOT_YET_VALID);
  if (after != 1) return reject_leaf(store_ctx, leaf, X509_V_ERR_CERT_HAS_EXPIRED);
  if (X509_check_purpose(leaf, X509_PURPOSE_SSL_CLIENT, 0) != 1) {
    ERR_clear_error();
    return reject_leaf(store_ctx, leaf, X509_V_ERR_INVALID_PURPOSE);
  }
  if ((X509_get_extension_flags(leaf) & EXFLAG_SS) != 0) {
    EVP_PKEY* key = X509_get0_pubkey(leaf);
    if (key == nullptr || X509_verify(leaf, key) != 1) {
      ERR_clear_error();
      return reject_leaf(store_ctx, leaf, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    }
  }
  return 1;
}

// Full verification against the configured roots, at the configured clock's time.
int verify_with_trust(X509_STORE_CTX* store_ctx, void* clock) {
  X509_STORE_CTX_set_time(store_ctx, 0, now_of(clock));
  return X509_verify_cert(store_ctx) == 1 ? 1 : 0;
}

Result<void> configure_client_certificates(SSL_CTX* ctx, const ServerTlsConfig& cfg) {
  if (cfg.client_cert_mode == ClientCertMode::kNone) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return {};
  }
  void* clock = const_cast<Clock*>(cfg.clock);  // the callback argument is untyped; read-only
  if (cfg.client_ca_pem.empty()) {
    SSL_CTX_set_cert_verify_callback(ctx, verify_any_valid, clock);
  } else {
    SIGIL_TRY(std::vector<X509Ptr> roots, parse_roots(cfg.client_ca_pem, "client_ca_pem"));
    SIGIL_TRY(X509StorePtr store, make_store(roots));
    for (const X509Ptr& c : roots) {
      // SSL_CTX_add_client_CA copies the subject name into the CertificateRequest CA list.
      if (SSL_CTX_add_client_CA(ctx, c.get()) != 1) return crypto_error("SSL_CTX_add_client_CA");
    }
    SSL_CTX_set_cert_store(ctx, store.release());  // SSL_CTX_set_cert_store takes ownership
    SSL_CTX_set_verify_depth(ctx, kClientVerifyDepth);
    SSL_CTX_set_cert_verify_callback(ctx, verify_with_trust, clock);
  }
  int mode = SSL_VERIFY_PEER;
  if (cfg.client_cert_mode == ClientCertMode::kRequired) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return {};
}

// Sessions resume only under a context with the same certificate and client-certificate policy:
// the session id context is a digest of both (it must be set whenever client certificates are
// verified, or OpenSSL refuses every resumption).
Result<void> set_session_id_context(SSL_CTX* ctx, const ServerTlsConfig& cfg) {
  SIGIL_TRY(std::vector<std::uint8_t> material, write_certificate_der(cfg.certificate));
  material.push_back(static_cast<std::uint8_t>(cfg.client_cert_mode));
  material.insert(material.end(), cfg.client_ca_pem.begin(), cfg.client_ca_pem.end());
  Sha256Digest sid = sha256(material);
  static_assert(sizeof(sid) <= SSL_MAX_SID_CTX_LENGTH);
  if (SSL_CTX_set_session_id_context(ctx, sid.data(), sid.size()) != 1) {
    return crypto_error("SSL_CTX_set_session_id_context");
  }
  return {};
}

Result<SslCtxPtr> new_context(const SSL_METHOD* method) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) return crypto_error("SSL_CTX_new");
  SIGIL_TRY_VOID(apply_protocol_policy(ctx.get()));
  return ctx;
}

// SNI: the selector lives in the default context's ex_data and is freed with it.
void free_sni_selector(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/,
                       long /*argl*/, void* /*argp*/) {
  delete static_cast<SniSelector*>(ptr);
}

int sni_selector_index() {
  // A function-local static int (no non-trivial global); thread-safe initialisation.
  static const int index =
      SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_sni_selector);
  return index;
}

// The first host_name of a server_name extension (RFC 6066 §3), or nothing if malformed.
std::optional<std::string_view> first_host_name(const unsigned char* p, std::size_t len) {
  auto u16 = [](const unsigned char* q) { return static_cast<std::size_t>((q[0] << 8) | q[1]); };
  if (len < 2 || u16(p) != len - 2) return std::nullopt;
  for (std::size_t at = 2; at + 3 <= len;) {
    std::size_t name_len = u16(p + at + 1);
    if (at + 3 + name_len > len) return std::nullopt;
    if (p[at] == TLSEXT_NAMETYPE_host_name) {
      return std::string_view(reinterpret_cast<const char*>(p + at + 3), name_len);
    }
    at += 3 + name_len;
  }
  return std::nullopt;
}

// Runs before anything else of the ClientHello is processed, so the session-resumption checks
// already see the selected context: a session resumes only under the context (certificate and
// client-certificate policy, see set_session_id_context) that created it. The connection takes
// that context's certificate, key and chain (SSL_set_SSL_CTX) and its client-certificate mode.
int on_client_hello(SSL* ssl, int* alert, void* /*arg*/) {
  const unsigned char* ext = nullptr;
  std::size_t ext_len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &ext_len) != 1) {
    return SSL_CLIENT_HELLO_SUCCESS;  // no SNI: the default context
  }
  std::optional<std::string_view> name = first_host_name(ext, ext_len);
  if (!name) {
    *alert = SSL_AD_DECODE_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  auto* selector =
      static_cast<SniSelector*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), sni_selector_index()));
  SSL_CTX* chosen = selector != nullptr ? (*selector)(*name) : nullptr;
  if (chosen == nullptr || chosen == SSL_get_SSL_CTX(ssl)) return SSL_CLIENT_HELLO_SUCCESS;
  if (SSL_set_SSL_CTX(ssl, chosen) != chosen) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(chosen), SSL_CTX_get_verify_callback(chosen));
  SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(chosen));
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace

Result<SslCtxPtr> make_server_tls_context(const ServerTlsConfig& config) {
  SIGIL_TRY(SslCtxPtr ctx, new_context(TLS_server_method()));
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SIGIL_TRY_VOID(use_certificate(c, config.key, config.certificate, config.chain));
  SIGIL_TRY_VOID(configure_client_certificates(c, config));
  SIGIL_TRY_VOID(set_session_id_context(c, config));
  // Resumption through tickets only (TLS 1.2 and 1.3): no per-session state on the server.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_timeout(c, kSessionTimeoutSeconds);
  SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
  return ctx;
}

Result<SslCtxPtr> make_client_tls_context(const ClientTlsConfig& config) {
  SIGIL_TRY(SslCtxPtr ctx, new_context(TLS_client_method()));
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_alpn_protos(c, kAlpnHttp11, sizeof kAlpnHttp11) != 0) {  // 0 is success
    return crypto_error("SSL_CTX_set_alpn_protos");
  }
  if (config.trust_pem.empty()) {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  } else {
    SIGIL_TRY(std::vector<X509Ptr> roots, parse_roots(config.trust_pem, "trust_pem"));
    SIGIL_TRY(X509StorePtr store, make_store(roots));
    SSL_CTX_set_cert_store(c, store.release());  // SSL_CTX_set_cert_store takes ownership
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  }
  if (config.certificate != nullptr || config.key != nullptr) {
    SIGIL_TRY_VOID(use_certificate(c, config.key, config.certificate, config.chain));
  }
  return ctx;
}

Result<void> set_sni_selector(SSL_CTX* ctx, SniSelector selector) {
  if (ctx == nullptr || !selector) return fail(Errc::kInvalidArgument, "no context or selector");
  int index = sni_selector_index();
  if (index < 0) return crypto_error("SSL_CTX_get_ex_new_index");
  auto owned = std::make_unique<SniSelector>(std::move(selector));
  std::unique_ptr<SniSelector> previous(static_cast<SniSelector*>(SSL_CTX_get_ex_data(ctx, index)));
  if (SSL_CTX_set_ex_data(ctx, index, owned.get()) != 1) {
    (void)previous.release();  // still owned by the context's ex_data
    return crypto_error("SSL_CTX_set_ex_data");
  }
  (void)owned.release();  // SSL_CTX_set_ex_data took ownership (free_sni_selector deletes it)
  SSL_CTX_set_client_hello_cb(ctx, on_client_hello, nullptr);
  return {};
}

}  // namespace sigil::crypto
