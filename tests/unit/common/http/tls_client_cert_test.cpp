// Client certificates on HTTPS listeners: what a handler sees in Request::peer_certificate, and
// which handshakes are refused (ClientCertMode in crypto/tls_context.hpp).
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "http_test_support.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/http/server.hpp"
#include "tls_test_support.hpp"

namespace sigil::http {
namespace {

using namespace std::chrono_literals;
using bhttp::verb;
using crypto::ClientCertMode;
using testing::client_context;
using testing::Identity;
using testing::make_identity;
using testing::TestServer;
using testing::tls_options;
using testing::TlsConnection;

// GET /whoami -> "none", or the hex DER of the client certificate the handler was given.
Router whoami_router() {
  Router r;
  r.add(verb::get, "/whoami", [](Request& req) -> net::awaitable<Response> {
    std::string body = "none";
    if (req.peer_certificate) {
      auto der = crypto::write_certificate_der(req.peer_certificate.get());
      body = der ? crypto::hex_encode(*der) : "unreadable";
    }
    co_return make_response(bhttp::status::ok, body, kTextPlain);
  });
  return r;
}

class TlsClientCert : public ::testing::Test {
 protected:
  Identity server_id_ = make_identity("sts.test");
  Identity user_ = make_identity("solution-user");
};

TEST_F(TlsClientCert, OptionalModeHandlerSeesTheExactCertificateTheClientSent) {
  TestServer ts(whoami_router(), {}, tls_options(server_id_, ClientCertMode::kOptional));
  auto ctx = client_context(&server_id_, &user_);
  TlsConnection c(ts.endpoint(), ctx.get());
  auto res = c.get("/whoami");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->body(), crypto::hex_encode(user_.der()));
  auto again = c.get("/whoami");  // every request on the connection carries it
  ASSERT_TRUE(again) << c.error();
  EXPECT_EQ(again->body(), crypto::hex_encode(user_.der()));
}

TEST_F(TlsClientCert, OptionalModeHandlerSeesNullWithoutAClientCertificate) {
  TestServer ts(whoami_router(), {}, tls_options(server_id_, ClientCertMode::kOptional));
  auto ctx = client_context(&server_id_);
  TlsConnection c(ts.endpoint(), ctx.get());
  auto res = c.get("/whoami");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->body(), "none");
}

TEST_F(TlsClientCert, ModeNoneIgnoresAClientCertificate) {
  TestServer ts(whoami_router(), {}, tls_options(server_id_));
  auto ctx = client_context(&server_id_, &user_);
  TlsConnection c(ts.endpoint(), ctx.get());
  auto res = c.get("/whoami");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->body(), "none");
}

TEST_F(TlsClientCert, RequiredModeWithoutACertificateFailsTheHandshake) {
  TestServer ts(whoami_router(), {}, tls_options(server_id_, ClientCertMode::kRequired));
  auto ctx = client_context(&server_id_);
  TlsConnection c(ts.endpoint(), ctx.get());
  // TLS 1.3: the client finishes first and learns of the refusal on its first read.
  EXPECT_FALSE(c.get("/whoami"));
  EXPECT_NE(c.error().find("certificate required"), std::string::npos) << c.error();
  EXPECT_EQ(ts.observer().wait_for_handshake_failures(1), 1);
  EXPECT_TRUE(ts.observer().requests().empty());
}

TEST_F(TlsClientCert, RequiredModeServesAClientWithACertificate) {
  TestServer ts(whoami_router(), {}, tls_options(server_id_, ClientCertMode::kRequired));
  auto ctx = client_context(&server_id_, &user_);
  TlsConnection c(ts.endpoint(), ctx.get());
  auto res = c.get("/whoami");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->body(), crypto::hex_encode(user_.der()));
}

TEST_F(TlsClientCert, ExpiredClientCertificateIsRefused) {
  auto now = std::chrono::system_clock::now();
  Identity expired = make_identity("solution-user", now - 48h, now - 24h);
  TestServer ts(whoami_router(), {}, tls_options(server_id_, ClientCertMode::kOptional));
  auto ctx = client_context(&server_id_, &expired);
  TlsConnection c(ts.endpoint(), ctx.get());
  EXPECT_FALSE(c.get("/whoami"));
  EXPECT_NE(c.error().find("certificate expired"), std::string::npos) << c.error();
  EXPECT_EQ(ts.observer().wait_for_handshake_failures(1), 1);
  EXPECT_TRUE(ts.observer().requests().empty());
}

TEST_F(TlsClientCert, ResumedSessionStillCarriesTheClientCertificate) {
  TestServer ts(whoami_router(), {}, tls_options(server_id_, ClientCertMode::kOptional));
  auto ctx = client_context(&server_id_, &user_);
  std::unique_ptr<SSL_SESSION, CDeleter<SSL_SESSION_free>> session;
  {
    TlsConnection first(ts.endpoint(), ctx.get());
    ASSERT_TRUE(first.get("/whoami")) << first.error();
    session.reset(SSL_get1_session(first.ssl()));
    EXPECT_TRUE(first.shutdown()) << first.error();  // the server answers close_notify
  }
  TlsConnection second(ts.endpoint(), ctx.get(), "", session.get());
  auto res = second.get("/whoami");
  ASSERT_TRUE(res) << second.error();
  EXPECT_EQ(SSL_session_reused(second.ssl()), 1);
  EXPECT_EQ(res->body(), crypto::hex_encode(user_.der()));
}

TEST_F(TlsClientCert, PlainHttpRequestHasNoCertificateAndIsNotTls) {
  Router r;
  r.add(verb::get, "/t", [](Request& req) -> net::awaitable<Response> {
    co_return make_response(
        bhttp::status::ok,
        std::string(req.tls ? "tls" : "plain") + (req.peer_certificate ? "+cert" : "+none"),
        kTextPlain);
  });
  TestServer ts(std::move(r));
  testing::RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(testing::get_request("/t")));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "plain+none");
}

}  // namespace
}  // namespace sigil::http
