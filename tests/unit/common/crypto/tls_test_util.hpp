#pragma once
// In-memory TLS handshakes for the tls_context tests: a client and a server SSL joined by a BIO
// pair, stepped in turn until both finish or one fails, plus self-signed identities.
//
// Thread-safety: for the single-threaded test runner only.

#include <chrono>
#include <string>

#include "crypto_test_util.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::crypto::testing {

struct Identity {
  EvpPkeyPtr key;
  X509Ptr cert;
};

// A self-signed ECDSA P-256 certificate valid from `from` to `to` (wall-clock based: OpenSSL's
// own client checks the server certificate against the real time).
inline Identity self_signed(const std::string& cn, TimePoint from, TimePoint to,
                            ExtendedKeyUsage eku = {.server_auth = true, .client_auth = true}) {
  Identity id;
  id.key = must(generate_key(KeyType::kEcdsaP256));
  CertRequest r;
  r.subject.common_name = cn;
  r.dns_names = {cn};
  r.subject_key = id.key.get();
  r.issuer_key = id.key.get();
  r.not_before = from;
  r.not_after = to;
  r.key_usage.digital_signature = true;
  r.extended_key_usage = eku;
  id.cert = must(issue_certificate(r));
  return id;
}

inline Identity current(const std::string& cn) {
  auto now = std::chrono::system_clock::now();
  return self_signed(cn, now - 1h, now + 24h);
}

struct Handshake {
  bool ok = false;
  SslPtr client;
  SslPtr server;
  std::string client_error;  // the client's OpenSSL error queue when it failed
  std::string server_error;
};

// Steps one side; returns false when it failed for good.
inline bool step(SSL* ssl, bool& done, std::string& error) {
  if (done) return true;
  int rc = SSL_do_handshake(ssl);
  if (rc == 1) {
    done = true;
    return true;
  }
  int err = SSL_get_error(ssl, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return true;
  error = drain_openssl_errors();
  return false;
}

// Runs a handshake; then the client reads one byte the server writes, which also delivers the
// TLS 1.3 session tickets (and a late server alert, e.g. for a refused client certificate).
inline Handshake handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, const char* sni = nullptr,
                           SSL_SESSION* resume = nullptr) {
  Handshake h;
  h.client.reset(SSL_new(client_ctx));
  h.server.reset(SSL_new(server_ctx));
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  SIGIL_CHECK(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) == 1);
  SSL_set_bio(h.client.get(), client_bio, client_bio);  // SSL_set_bio takes ownership
  SSL_set_bio(h.server.get(), server_bio, server_bio);  // SSL_set_bio takes ownership
  SSL_set_connect_state(h.client.get());
  SSL_set_accept_state(h.server.get());
  if (sni != nullptr) SSL_set_tlsext_host_name(h.client.get(), sni);
  if (resume != nullptr) SSL_set_session(h.client.get(), resume);
  bool client_done = false;
  bool server_done = false;
  for (int i = 0; i < 50 && !(client_done && server_done); ++i) {
    if (!step(h.client.get(), client_done, h.client_error)) break;
    if (!step(h.server.get(), server_done, h.server_error)) break;
  }
  if (!(client_done && server_done)) {
    // Let the client read the server's alert, so its error says what the server refused.
    if (h.client_error.empty()) step(h.client.get(), client_done, h.client_error);
    return h;
  }
  char byte = 'x';
  h.ok = SSL_write(h.server.get(), &byte, 1) == 1 && SSL_read(h.client.get(), &byte, 1) == 1;
  if (!h.ok) h.client_error = drain_openssl_errors();
  return h;
}

}  // namespace sigil::crypto::testing
