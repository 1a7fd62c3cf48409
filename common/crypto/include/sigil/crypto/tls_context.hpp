#pragma once
// TLS contexts (SSL_CTX) for Sigil's servers and clients: protocol policy, certificates, client
// certificate checks and SNI. No sockets here (docs/reference/style.md §2): common/http puts these
// contexts on its streams.
//
// Server policy (docs/reference/threats.md §3.4, docs/performance.md "Goals"):
// - TLS 1.2 minimum, TLS 1.3 preferred; TLS 1.2 suites are ECDHE with AES-GCM or
//   CHACHA20-POLY1305 only; the server's cipher order wins; no compression; no renegotiation
//   (SSL_OP_NO_RENEGOTIATION: a client's renegotiation request is refused).
// - Session resumption through session tickets only (TLS 1.2 and 1.3), so keep-alive clients
//   that reconnect skip the full handshake while the server keeps no per-session state (no
//   session cache to grow). Ticket keys live in this SSL_CTX only: a new context (a certificate
//   swap) means new keys. A session resumes only under a context with the same certificate and
//   client-certificate policy (the session id context is a digest of both); the client
//   certificate of a resumed session is the one checked when the session was created, which is
//   why sessions live at most an hour.
// - ALPN: `http/1.1` is selected when offered; a client offering only other protocols gets a
//   fatal no_application_protocol alert (RFC 7301 §3.2).
//
// Client certificates (ClientCertMode):
// - kNone: none is requested.
// - kOptional / kRequired without `client_ca_pem`: the server requests a certificate and accepts
//   ANY certificate that is valid now (notBefore <= now < notAfter), usable for TLS client auth
//   (an extendedKeyUsage, if present, allows clientAuth), and, when self-signed, carries a valid
//   self-signature. No chain is built and no issuer is trusted. This is deliberate: solution
//   users register self-signed certificates and are authenticated by the application, which
//   compares the EXACT certificate (DER) the handshake proved possession of with the registered
//   one. A handler that does not do that comparison must not treat the certificate as identity.
// - kOptional / kRequired with `client_ca_pem`: full X.509 verification against those roots
//   only (chain, validity, basicConstraints, keyUsage/EKU for TLS clients, name constraints).
// - kRequired: a handshake without a client certificate fails.
//
// SNI: set_sni_selector() lets the default context hand a connection to another context by the
// server name the client sent (per-tenant certificates). The switch happens first thing on the
// ClientHello, so the selected context's certificate, client-certificate mode and sessions apply,
// and a session of one context never resumes under another. A name the selector does not know
// keeps the default context; it can never reach another tenant's certificate.
//
// Thread-safety: building a context is single-threaded. A finished SSL_CTX is shared read-only by
// every connection on every thread (OpenSSL's rule); do not change it after handing it out.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"

namespace sigil::crypto {

enum class ClientCertMode { kNone, kOptional, kRequired };

/// What a server context is built from. The handles are borrowed: the context takes its own
/// references, so the caller may free its copies afterwards.
struct ServerTlsConfig {
  EVP_PKEY* key = nullptr;      // private key of `certificate`
  X509* certificate = nullptr;  // the leaf
  std::vector<X509*> chain;     // intermediates, in order: the leaf's issuer first
  ClientCertMode client_cert_mode = ClientCertMode::kNone;
  std::string client_ca_pem;  // non-empty: verify client chains against these roots only
  /// Time source for the client-certificate validity check; nullptr: the system clock. Must
  /// outlive the context.
  const Clock* clock = nullptr;
};

/// A server context with the policy above. A key that does not match the certificate, a
/// missing key or certificate, or an unreadable client_ca_pem is kInvalidArgument.
Result<SslCtxPtr> make_server_tls_context(const ServerTlsConfig& config);

/// What a client context is built from (tests, sigilctl).
struct ClientTlsConfig {
  /// PEM roots the server's chain must verify against. Empty: the server is NOT verified (only
  /// for tests and explicit `--insecure` use).
  std::string trust_pem;
  EVP_PKEY* key = nullptr;      // optional client certificate key
  X509* certificate = nullptr;  // optional client certificate (with `key`)
  std::vector<X509*> chain;     // optional intermediates sent with the client certificate
};

/// A client context: TLS 1.2+, the same AEAD suites, ALPN `http/1.1`. Hostname checks are per
/// connection (SSL_set1_host) and left to the caller.
Result<SslCtxPtr> make_client_tls_context(const ClientTlsConfig& config);

/// Returns the context to use for `server_name` (exactly as the client sent it: compare
/// case-insensitively), or nullptr to keep the default context. Called during handshakes, from
/// any thread, inside OpenSSL: must not block or throw. A returned context must stay alive at
/// least until the call returns (the connection then holds its own reference).
using SniSelector = std::function<SSL_CTX*(std::string_view server_name)>;

/// Installs `selector` on the default context `ctx` (replacing an earlier one). The selected
/// context contributes its certificate, key, chain, client-certificate mode and session id
/// context; protocol versions, ciphers and ticket keys stay those of `ctx`. Call before `ctx` is
/// used by any connection.
Result<void> set_sni_selector(SSL_CTX* ctx, SniSelector selector);

}  // namespace sigil::crypto
