// The HTTPS transport sigilctl uses for certmgr's admin API (common/http/client.hpp): the
// server is verified against the given roots and by name, and a client certificate is
// presented when given.
#include <gtest/gtest.h>

#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/http/client.hpp"
#include "tls_test_support.hpp"

namespace sigil::http::testing {
namespace {

// Answers with the subject of the client certificate, or "none".
Router who_router() {
  Router r;
  r.add_blocking(bhttp::verb::get, "/who", [](Request& req) {
    std::string who = "none";
    if (req.peer_certificate) who = crypto::describe(req.peer_certificate.get())->subject;
    return make_response(bhttp::status::ok, who, kTextPlain);
  });
  return r;
}

class HttpsClient : public ::testing::Test {
 protected:
  HttpsClient()
      : server_id_(make_identity("localhost")),
        server_(who_router(), {}, tls_options(server_id_, crypto::ClientCertMode::kOptional)) {}

  ClientRequest request() const {
    ClientRequest r;
    r.url = "https://localhost:" + std::to_string(server_.endpoint().port()) + "/who";
    r.tls.trust_pem = server_id_.pem();
    r.timeout = std::chrono::seconds(5);
    return r;
  }

  Identity server_id_;
  TestServer server_;
};

TEST_F(HttpsClient, VerifiesTheServerAndPresentsTheClientCertificate) {
  auto anonymous = send(request());
  ASSERT_TRUE(anonymous) << anonymous.error();
  EXPECT_EQ(anonymous->status, 200u);
  EXPECT_EQ(anonymous->body, "none");
  Identity me = make_identity("sigilctl-admin");
  ClientRequest r = request();
  r.tls.client_cert_pem = me.pem();
  r.tls.client_key_pem = std::string(crypto::write_private_key_pem(me.key.get())->view());
  auto with_cert = send(r);
  ASSERT_TRUE(with_cert) << with_cert.error();
  EXPECT_EQ(with_cert->body, "CN=sigilctl-admin");
}

TEST_F(HttpsClient, RefusesHttpsWithoutTrustRootsBeforeConnecting) {
  ClientRequest r = request();
  r.tls.trust_pem.clear();
  auto res = send(r);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kInvalidArgument);
  ClientRequest half = request();
  half.tls.client_cert_pem = server_id_.pem();
  auto no_key = send(half);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, Errc::kInvalidArgument);
}

TEST_F(HttpsClient, AnUntrustedServerFailsTheHandshake) {
  Identity other = make_identity("localhost");
  ClientRequest r = request();
  r.tls.trust_pem = other.pem();
  auto res = send(r);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kUnavailable);
  EXPECT_NE(res.error().message.find("TLS handshake"), std::string::npos) << res.error().message;
}

TEST_F(HttpsClient, AServerCertificateForAnotherNameIsRefused) {
  ClientRequest r = request();
  r.url = "https://127.0.0.1:" + std::to_string(server_.endpoint().port()) + "/who";
  auto res = send(r);  // the certificate names DNS:localhost only, not IP 127.0.0.1
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kUnavailable);
  EXPECT_NE(res.error().message.find("TLS handshake"), std::string::npos) << res.error().message;
}

}  // namespace
}  // namespace sigil::http::testing
