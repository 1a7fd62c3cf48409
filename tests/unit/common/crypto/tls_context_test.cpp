// TLS contexts: protocol policy, resumption, client-certificate modes and SNI, checked with
// in-memory handshakes (a BIO pair between a client and a server SSL; no sockets).
#include "sigil/crypto/tls_context.hpp"

#include <cstring>
#include <string>

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "crypto_test_util.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "tls_test_util.hpp"

namespace sigil::crypto {
namespace {

using namespace std::chrono_literals;
using testing::current;
using testing::Handshake;
using testing::handshake;
using testing::Identity;
using testing::must;
using testing::openssl_queue_empty;
using testing::self_signed;

SslCtxPtr server_ctx(const Identity& id, ClientCertMode mode = ClientCertMode::kNone,
                     std::string client_ca_pem = {}, const Clock* clock = nullptr) {
  ServerTlsConfig cfg;
  cfg.key = id.key.get();
  cfg.certificate = id.cert.get();
  cfg.client_cert_mode = mode;
  cfg.client_ca_pem = std::move(client_ca_pem);
  cfg.clock = clock;
  return must(make_server_tls_context(cfg));
}

SslCtxPtr client_ctx(const Identity* trust = nullptr, const Identity* own = nullptr) {
  ClientTlsConfig cfg;
  if (trust != nullptr) cfg.trust_pem = must(write_certificate_pem(trust->cert.get()));
  if (own != nullptr) {
    cfg.key = own->key.get();
    cfg.certificate = own->cert.get();
  }
  return must(make_client_tls_context(cfg));
}

std::vector<std::uint8_t> der(X509* cert) { return must(write_certificate_der(cert)); }

class TlsContext : public ::testing::Test {
 protected:
  Identity server_ = current("sts.test");
};

TEST_F(TlsContext, NegotiatesTls13AndAlpnHttp11WithATrustingClient) {
  auto s = server_ctx(server_);
  auto c = client_ctx(&server_);
  auto h = handshake(s.get(), c.get());
  ASSERT_TRUE(h.ok) << h.client_error << " / " << h.server_error;
  EXPECT_STREQ(SSL_get_version(h.client.get()), "TLSv1.3");
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(h.client.get(), &alpn, &alpn_len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_len), "http/1.1");
  EXPECT_EQ(SSL_get_verify_result(h.client.get()), X509_V_OK);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST_F(TlsContext, ClientTrustingAnotherCertificateFailsToVerifyTheServer) {
  Identity other = current("other.test");
  auto s = server_ctx(server_);
  auto c = client_ctx(&other);
  auto h = handshake(s.get(), c.get());
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.client_error.find("certificate verify failed"), std::string::npos) << h.client_error;
}

TEST_F(TlsContext, Tls12ClientGetsAnEcdheAeadSuite) {
  auto s = server_ctx(server_);
  auto c = client_ctx(&server_);
  SSL_CTX_set_max_proto_version(c.get(), TLS1_2_VERSION);
  auto h = handshake(s.get(), c.get());
  ASSERT_TRUE(h.ok) << h.client_error << " / " << h.server_error;
  EXPECT_STREQ(SSL_get_version(h.client.get()), "TLSv1.2");
  std::string suite = SSL_CIPHER_get_name(SSL_get_current_cipher(h.client.get()));
  EXPECT_EQ(suite.rfind("ECDHE-ECDSA-", 0), 0u) << suite;
  EXPECT_TRUE(suite.find("GCM") != std::string::npos || suite.find("CHACHA20") != std::string::npos)
      << suite;
}

TEST_F(TlsContext, ServerCipherOrderWinsOverTheClients) {
  auto s = server_ctx(server_);
  auto c = client_ctx(&server_);
  SSL_CTX_set_max_proto_version(c.get(), TLS1_2_VERSION);
  ASSERT_EQ(SSL_CTX_set_cipher_list(c.get(),
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"),
            1);
  auto h = handshake(s.get(), c.get());
  ASSERT_TRUE(h.ok) << h.client_error << " / " << h.server_error;
  EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(h.client.get())),
               "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_F(TlsContext, Tls12ClientOfferingOnlyCbcOrNonEcdheSuitesIsRefused) {
  auto s = server_ctx(server_);
  auto c = client_ctx(&server_);
  SSL_CTX_set_max_proto_version(c.get(), TLS1_2_VERSION);
  ASSERT_EQ(SSL_CTX_set_cipher_list(c.get(), "ECDHE-ECDSA-AES128-SHA256:AES128-GCM-SHA256"), 1);
  auto h = handshake(s.get(), c.get());
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.server_error.find("no shared cipher"), std::string::npos) << h.server_error;
}

TEST_F(TlsContext, Tls11ClientIsRefusedWithAProtocolVersionAlert) {
  auto s = server_ctx(server_);
  auto c = client_ctx(&server_);
  SSL_CTX_set_security_level(c.get(), 0);  // the client side would refuse TLS 1.1 by itself
  ASSERT_EQ(SSL_CTX_set_cipher_list(c.get(), "DEFAULT:@SECLEVEL=0"), 1);
  SSL_CTX_set_min_proto_version(c.get(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(c.get(), TLS1_1_VERSION);
  auto h = handshake(s.get(), c.get());
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.server_error.find("unsupported protocol"), std::string::npos) << h.server_error;
  EXPECT_NE(h.client_error.find("alert protocol version"), std::string::npos) << h.client_error;
}

TEST_F(TlsContext, ServerRefusesCompressionAndRenegotiation) {
  auto s = server_ctx(server_);
  std::uint64_t options = SSL_CTX_get_options(s.get());
  EXPECT_NE(options & SSL_OP_NO_COMPRESSION, 0u);
  EXPECT_NE(options & SSL_OP_NO_RENEGOTIATION, 0u);
  EXPECT_EQ(options & SSL_OP_NO_TICKET, 0u);
  auto c = client_ctx(&server_);
  SSL_CTX_set_max_proto_version(c.get(), TLS1_2_VERSION);
  auto h = handshake(s.get(), c.get());
  ASSERT_TRUE(h.ok) << h.client_error;
  EXPECT_EQ(SSL_get_current_compression(h.client.get()), nullptr);
  // The client (its own policy relaxed) asks to renegotiate; the server declines.
  SSL_clear_options(h.client.get(), SSL_OP_NO_RENEGOTIATION);
  ASSERT_EQ(SSL_renegotiate(h.client.get()), 1);
  char byte = 0;
  for (int i = 0; i < 10; ++i) {
    (void)SSL_do_handshake(h.client.get());
    (void)SSL_read(h.server.get(), &byte, 1);
  }
  drain_openssl_errors();
  EXPECT_EQ(SSL_renegotiate_pending(h.client.get()), 1);  // never completed
}

void expect_resumes(SSL_CTX* server, SSL_CTX* client) {
  auto first = handshake(server, client);
  ASSERT_TRUE(first.ok) << first.client_error << " / " << first.server_error;
  EXPECT_EQ(SSL_session_reused(first.client.get()), 0);
  std::unique_ptr<SSL_SESSION, CDeleter<SSL_SESSION_free>> session(
      SSL_get1_session(first.client.get()));
  ASSERT_NE(session, nullptr);
  ASSERT_EQ(SSL_SESSION_is_resumable(session.get()), 1);
  auto second = handshake(server, client, nullptr, session.get());
  ASSERT_TRUE(second.ok) << second.client_error << " / " << second.server_error;
  EXPECT_EQ(SSL_session_reused(second.client.get()), 1);
}

TEST_F(TlsContext, SessionTicketsLetATls13ClientResume) {
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  auto c = client_ctx(&server_);
  expect_resumes(s.get(), c.get());
}

TEST_F(TlsContext, SessionTicketsLetATls12ClientResume) {
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  auto c = client_ctx(&server_);
  SSL_CTX_set_max_proto_version(c.get(), TLS1_2_VERSION);
  expect_resumes(s.get(), c.get());
}

TEST_F(TlsContext, KeyThatDoesNotMatchTheCertificateIsRefused) {
  Identity other = current("other.test");
  ServerTlsConfig cfg;
  cfg.key = other.key.get();
  cfg.certificate = server_.cert.get();
  auto r = make_server_tls_context(cfg);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("does not match"), std::string::npos) << r.error();
  cfg.key = nullptr;
  EXPECT_FALSE(make_server_tls_context(cfg));
  EXPECT_TRUE(openssl_queue_empty());
}

TEST_F(TlsContext, UnreadableClientCaPemIsRefused) {
  ServerTlsConfig cfg;
  cfg.key = server_.key.get();
  cfg.certificate = server_.cert.get();
  cfg.client_cert_mode = ClientCertMode::kRequired;
  cfg.client_ca_pem = "not a certificate";
  auto r = make_server_tls_context(cfg);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("client_ca_pem"), std::string::npos) << r.error();
}

// --- client certificates -------------------------------------------------------------------

TEST_F(TlsContext, ModeNoneDoesNotAskForAClientCertificate) {
  Identity user = current("solution-user");
  auto s = server_ctx(server_, ClientCertMode::kNone);
  auto c = client_ctx(&server_, &user);
  auto h = handshake(s.get(), c.get());
  ASSERT_TRUE(h.ok) << h.client_error << " / " << h.server_error;
  EXPECT_EQ(SSL_get0_peer_certificate(h.server.get()), nullptr);
}

TEST_F(TlsContext, OptionalModeAcceptsASelfSignedClientCertificateAndNone) {
  Identity user = current("solution-user");
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  auto with = handshake(s.get(), client_ctx(&server_, &user).get());
  ASSERT_TRUE(with.ok) << with.client_error << " / " << with.server_error;
  X509* seen = SSL_get0_peer_certificate(with.server.get());
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(der(seen), der(user.cert.get()));
  auto without = handshake(s.get(), client_ctx(&server_).get());
  ASSERT_TRUE(without.ok) << without.client_error << " / " << without.server_error;
  EXPECT_EQ(SSL_get0_peer_certificate(without.server.get()), nullptr);
}

TEST_F(TlsContext, OptionalModeAcceptsALeafOfAnUnknownIssuerWithoutTrustStore) {
  auto now = std::chrono::system_clock::now();
  auto ca_key = must(generate_key(KeyType::kEcdsaP256));
  auto ca = must(issue_certificate(testing::root_ca_request(ca_key.get(), now)));
  Identity user;
  user.key = must(generate_key(KeyType::kEcdsaP256));
  auto req = testing::leaf_request(user.key.get(), ca_key.get(), ca.get(), now);
  req.extended_key_usage = ExtendedKeyUsage{.client_auth = true};
  user.cert = must(issue_certificate(req));
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  auto h = handshake(s.get(), client_ctx(&server_, &user).get());
  ASSERT_TRUE(h.ok) << h.client_error << " / " << h.server_error;
  EXPECT_EQ(der(SSL_get0_peer_certificate(h.server.get())), der(user.cert.get()));
}

TEST_F(TlsContext, RequiredModeFailsTheHandshakeWithoutAClientCertificate) {
  auto s = server_ctx(server_, ClientCertMode::kRequired);
  auto h = handshake(s.get(), client_ctx(&server_).get());
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.server_error.find("peer did not return a certificate"), std::string::npos)
      << h.server_error;
}

void expect_client_refused(SSL_CTX* server, SSL_CTX* client, long verify_error) {
  auto h = handshake(server, client);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.server_error.find("certificate verify failed"), std::string::npos) << h.server_error;
  EXPECT_EQ(SSL_get_verify_result(h.server.get()), verify_error);
}

TEST_F(TlsContext, ExpiredClientCertificateIsRefused) {
  auto now = std::chrono::system_clock::now();
  Identity expired = self_signed("solution-user", now - 48h, now - 24h);
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  expect_client_refused(s.get(), client_ctx(&server_, &expired).get(), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(TlsContext, ClientCertificateValidityIsCheckedAtTheInjectedClock) {
  Identity user = current("solution-user");
  ManualClock clock(std::chrono::system_clock::now() + 48h);
  auto s = server_ctx(server_, ClientCertMode::kRequired, {}, &clock);
  expect_client_refused(s.get(), client_ctx(&server_, &user).get(), X509_V_ERR_CERT_HAS_EXPIRED);
  clock.set(std::chrono::system_clock::now() - 2h);
  expect_client_refused(s.get(), client_ctx(&server_, &user).get(), X509_V_ERR_CERT_NOT_YET_VALID);
  clock.set(std::chrono::system_clock::now());
  EXPECT_TRUE(handshake(s.get(), client_ctx(&server_, &user).get()).ok);
}

TEST_F(TlsContext, ClientCertificateForServerAuthOnlyIsRefused) {
  auto now = std::chrono::system_clock::now();
  Identity server_only = self_signed("solution-user", now - 1h, now + 1h, {.server_auth = true});
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  expect_client_refused(s.get(), client_ctx(&server_, &server_only).get(),
                        X509_V_ERR_INVALID_PURPOSE);
}

TEST_F(TlsContext, SelfSignedClientCertificateWithABadSignatureIsRefused) {
  Identity user = current("solution-user");
  auto bytes = der(user.cert.get());
  bytes.back() ^= 0x01;  // the last byte belongs to the signature value
  Identity forged;
  forged.key = std::move(user.key);
  forged.cert = must(parse_certificate_der(bytes));
  auto s = server_ctx(server_, ClientCertMode::kOptional);
  expect_client_refused(s.get(), client_ctx(&server_, &forged).get(),
                        X509_V_ERR_CERT_SIGNATURE_FAILURE);
}

TEST_F(TlsContext, TrustStoreModeAcceptsItsLeavesAndRefusesSelfSignedOnes) {
  auto now = std::chrono::system_clock::now();
  auto ca_key = must(generate_key(KeyType::kEcdsaP256));
  auto ca = must(issue_certificate(testing::root_ca_request(ca_key.get(), now)));
  Identity user;
  user.key = must(generate_key(KeyType::kEcdsaP256));
  auto req = testing::leaf_request(user.key.get(), ca_key.get(), ca.get(), now);
  req.extended_key_usage = ExtendedKeyUsage{.client_auth = true};
  user.cert = must(issue_certificate(req));
  auto s = server_ctx(server_, ClientCertMode::kRequired, must(write_certificate_pem(ca.get())));
  auto h = handshake(s.get(), client_ctx(&server_, &user).get());
  ASSERT_TRUE(h.ok) << h.client_error << " / " << h.server_error;
  Identity stranger = current("solution-user");
  expect_client_refused(s.get(), client_ctx(&server_, &stranger).get(),
                        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

// --- SNI ----------------------------------------------------------------------------------

std::string peer_cn(const Handshake& h) {
  X509* cert = SSL_get0_peer_certificate(h.client.get());
  return cert == nullptr ? "" : must(describe(cert)).subject;
}

TEST_F(TlsContext, SniSelectorPicksTheTenantContextAndKeepsTheDefaultForUnknownNames) {
  Identity tenant = current("tenant-b.test");
  auto default_ctx = server_ctx(server_);
  auto tenant_ctx = server_ctx(tenant, ClientCertMode::kRequired);
  SSL_CTX* tenant_raw = tenant_ctx.get();
  ASSERT_TRUE(set_sni_selector(default_ctx.get(), [tenant_raw](std::string_view name) {
    return name == "tenant-b.test" ? tenant_raw : nullptr;
  }));
  Identity user = current("solution-user");
  auto c = client_ctx(nullptr, &user);
  auto picked = handshake(default_ctx.get(), c.get(), "tenant-b.test");
  ASSERT_TRUE(picked.ok) << picked.client_error << " / " << picked.server_error;
  EXPECT_EQ(peer_cn(picked), "CN=tenant-b.test");
  // The tenant context's client-certificate mode came along with its certificate.
  EXPECT_NE(SSL_get0_peer_certificate(picked.server.get()), nullptr);
  auto unknown = handshake(default_ctx.get(), c.get(), "tenant-c.test");
  ASSERT_TRUE(unknown.ok) << unknown.client_error;
  EXPECT_EQ(peer_cn(unknown), "CN=sts.test");
  EXPECT_EQ(SSL_get0_peer_certificate(unknown.server.get()), nullptr);
  auto none = handshake(default_ctx.get(), c.get());
  ASSERT_TRUE(none.ok) << none.client_error;
  EXPECT_EQ(peer_cn(none), "CN=sts.test");
}

std::unique_ptr<SSL_SESSION, CDeleter<SSL_SESSION_free>> session_of(const Handshake& h) {
  return std::unique_ptr<SSL_SESSION, CDeleter<SSL_SESSION_free>>(SSL_get1_session(h.client.get()));
}

TEST_F(TlsContext, SessionsResumeOnlyUnderTheContextThatCreatedThem) {
  Identity tenant = current("tenant-b.test");
  auto default_ctx = server_ctx(server_);
  auto tenant_ctx = server_ctx(tenant);
  SSL_CTX* tenant_raw = tenant_ctx.get();
  ASSERT_TRUE(set_sni_selector(default_ctx.get(), [tenant_raw](std::string_view name) {
    return name == "tenant-b.test" ? tenant_raw : nullptr;
  }));
  auto c = client_ctx();
  auto plain = handshake(default_ctx.get(), c.get());
  auto tenant_first = handshake(default_ctx.get(), c.get(), "tenant-b.test");
  ASSERT_TRUE(plain.ok && tenant_first.ok);
  auto default_session = session_of(plain);
  auto tenant_session = session_of(tenant_first);
  auto same = handshake(default_ctx.get(), c.get(), "tenant-b.test", tenant_session.get());
  ASSERT_TRUE(same.ok) << same.client_error << " / " << same.server_error;
  EXPECT_EQ(SSL_session_reused(same.client.get()), 1);
  auto crossed = handshake(default_ctx.get(), c.get(), "tenant-b.test", default_session.get());
  ASSERT_TRUE(crossed.ok) << crossed.client_error << " / " << crossed.server_error;
  EXPECT_EQ(SSL_session_reused(crossed.client.get()), 0);  // a full handshake instead
  EXPECT_EQ(peer_cn(crossed), "CN=tenant-b.test");
  auto back = handshake(default_ctx.get(), c.get(), "other.test", tenant_session.get());
  ASSERT_TRUE(back.ok) << back.client_error << " / " << back.server_error;
  EXPECT_EQ(SSL_session_reused(back.client.get()), 0);
}

TEST_F(TlsContext, SniSelectorNeedsAContextAndAFunction) {
  EXPECT_FALSE(set_sni_selector(nullptr, [](std::string_view) { return nullptr; }));
  auto s = server_ctx(server_);
  EXPECT_FALSE(set_sni_selector(s.get(), nullptr));
}

}  // namespace
}  // namespace sigil::crypto
