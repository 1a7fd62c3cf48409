// HTTPS listeners of Server: protocol versions, keep-alive, resumption, refusals, deadlines,
// graceful stop, context swaps and a real third-party client (openssl s_client).
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include "http_test_support.hpp"
#include "sigil/http/server.hpp"
#include "sigil/testing/process.hpp"
#include "tls_test_support.hpp"

namespace sigil::http {
namespace {

using bhttp::verb;
using std::chrono::milliseconds;
using testing::client_context;
using testing::get_request;
using testing::Identity;
using testing::make_identity;
using testing::RawConnection;
using testing::TestServer;
using testing::tls_options;
using testing::TlsConnection;
using Clock = std::chrono::steady_clock;

// GET /hello -> "hi tls" or "hi plain".
Router hello_router() {
  Router r;
  r.add(verb::get, "/hello", [](Request& req) -> net::awaitable<Response> {
    co_return make_response(bhttp::status::ok, req.tls ? "hi tls" : "hi plain", kTextPlain);
  });
  return r;
}

class TlsServer : public ::testing::Test {
 protected:
  Identity server_id_ = make_identity("sts.test");
};

TEST_F(TlsServer, TrustingClientGets200OverTls13) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  auto ctx = client_context(&server_id_);
  TlsConnection c(ts.endpoint(), ctx.get());
  ASSERT_TRUE(c.handshake_ok()) << c.error();
  EXPECT_STREQ(SSL_get_version(c.ssl()), "TLSv1.3");
  auto res = c.get("/hello");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "hi tls");
}

TEST_F(TlsServer, TrustingClientGets200OverTls12) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  auto ctx = client_context(&server_id_);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_2_VERSION);
  TlsConnection c(ts.endpoint(), ctx.get());
  ASSERT_TRUE(c.handshake_ok()) << c.error();
  EXPECT_STREQ(SSL_get_version(c.ssl()), "TLSv1.2");
  auto res = c.get("/hello");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->body(), "hi tls");
}

TEST_F(TlsServer, Tls11OnlyClientIsRefusedAndTheFailureIsCountedAndLogged) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  auto ctx = client_context(&server_id_);
  SSL_CTX_set_security_level(ctx.get(), 0);
  ASSERT_EQ(SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0"), 1);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_1_VERSION);
  TlsConnection c(ts.endpoint(), ctx.get());
  EXPECT_FALSE(c.handshake_ok());
  EXPECT_NE(c.error().find("protocol version"), std::string::npos) << c.error();
  EXPECT_EQ(ts.observer().wait_for_handshake_failures(1), 1);
  std::string log = ts.log_with("event=http.tls.handshake_failed");
  EXPECT_NE(log.find("event=http.tls.handshake_failed listener=test remote=127.0.0.1:"),
            std::string::npos)
      << log;
}

TEST_F(TlsServer, PlainHttpOnTheTlsPortIsRefusedAndTheServerKeepsServing) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  RawConnection plain(ts.endpoint());
  ASSERT_TRUE(plain.write(get_request("/hello")));
  auto begin = Clock::now();
  EXPECT_FALSE(plain.read_response(milliseconds(3000)));  // no HTTP answer...
  EXPECT_LT(Clock::now() - begin, milliseconds(1500));    // ...because it was closed at once
  EXPECT_EQ(ts.observer().wait_for_handshake_failures(1), 1);
  EXPECT_NE(ts.log_with("http request").find("error=\"http request"), std::string::npos);
  auto ctx = client_context(&server_id_);
  TlsConnection c(ts.endpoint(), ctx.get());
  auto res = c.get("/hello");
  ASSERT_TRUE(res) << c.error();
  EXPECT_EQ(res->result_int(), 200u);
}

TEST_F(TlsServer, KeepAliveServesSeveralRequestsOnOneTlsConnection) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  auto ctx = client_context(&server_id_);
  TlsConnection c(ts.endpoint(), ctx.get());
  for (int i = 0; i < 3; ++i) {
    auto res = c.get("/hello");
    ASSERT_TRUE(res) << "request " << i << ": " << c.error();
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_TRUE(res->keep_alive());
  }
  EXPECT_EQ(ts.server().open_connections(), 1u);
  EXPECT_EQ(ts.observer().wait_for_requests(3).size(), 3u);
}

TEST_F(TlsServer, ReconnectingClientResumesItsSession) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  auto ctx = client_context(&server_id_);
  std::unique_ptr<SSL_SESSION, CDeleter<SSL_SESSION_free>> session;
  {
    TlsConnection first(ts.endpoint(), ctx.get());
    ASSERT_TRUE(first.get("/hello")) << first.error();  // the read also takes the TLS 1.3 tickets
    EXPECT_EQ(SSL_session_reused(first.ssl()), 0);
    session.reset(SSL_get1_session(first.ssl()));
    EXPECT_TRUE(first.shutdown()) << first.error();  // the server answers close_notify
  }
  ASSERT_NE(session, nullptr);
  TlsConnection second(ts.endpoint(), ctx.get(), "", session.get());
  ASSERT_TRUE(second.get("/hello")) << second.error();
  EXPECT_EQ(SSL_session_reused(second.ssl()), 1);
}

TEST_F(TlsServer, ClientThatNeverHandshakesIsDisconnectedAtTheHandshakeDeadline) {
  ServerLimits l;
  l.handshake_timeout = milliseconds(200);
  TestServer ts(hello_router(), l, tls_options(server_id_));
  RawConnection silent(ts.endpoint());
  ASSERT_TRUE(silent.connected());
  auto begin = Clock::now();
  EXPECT_TRUE(silent.closed_within(milliseconds(2000)));
  auto took = Clock::now() - begin;
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(ts.observer().wait_for_handshake_failures(1), 1);
  auto ctx = client_context(&server_id_);
  TlsConnection next(ts.endpoint(), ctx.get());
  auto res = next.get("/hello");
  ASSERT_TRUE(res) << next.error();
  EXPECT_EQ(res->result_int(), 200u);
}

TEST_F(TlsServer, GracefulStopWithAnIdleTlsConnectionReturnsPromptly) {
  ServerLimits l;
  l.idle_timeout = milliseconds(60000);
  l.drain_timeout = milliseconds(10000);
  TestServer ts(hello_router(), l, tls_options(server_id_));
  auto ctx = client_context(&server_id_);
  TlsConnection idle(ts.endpoint(), ctx.get());
  ASSERT_TRUE(idle.get("/hello")) << idle.error();
  TlsConnection handshaken_only(ts.endpoint(), ctx.get());
  ASSERT_TRUE(handshaken_only.handshake_ok()) << handshaken_only.error();
  RawConnection mid_handshake(ts.endpoint());  // connected, never sends a ClientHello
  ASSERT_TRUE(mid_handshake.connected());
  while (ts.server().open_connections() < 3) std::this_thread::sleep_for(milliseconds(1));
  auto begin = Clock::now();
  ts.server().stop();
  EXPECT_LT(Clock::now() - begin, milliseconds(1000));
  EXPECT_EQ(ts.server().open_connections(), 0u);
  EXPECT_FALSE(idle.get("/hello", milliseconds(500)));
  EXPECT_TRUE(mid_handshake.closed_within(milliseconds(1000)));
}

TEST_F(TlsServer, SwappedContextReachesNewConnectionsWhileAnOpenOneKeepsWorking) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  Identity renewed = make_identity("sts-renewed.test");
  auto trusts_old = client_context(&server_id_);
  TlsConnection open(ts.endpoint(), trusts_old.get());
  ASSERT_TRUE(open.get("/hello")) << open.error();
  ASSERT_TRUE(ts.server().set_tls_context(testing::server_context(renewed)));
  auto trusts_new = client_context(&renewed);
  TlsConnection fresh(ts.endpoint(), trusts_new.get());
  ASSERT_TRUE(fresh.get("/hello")) << fresh.error();
  EXPECT_EQ(fresh.peer_subject(), "CN=sts-renewed.test");
  auto again = open.get("/hello");
  ASSERT_TRUE(again) << open.error();
  EXPECT_EQ(again->result_int(), 200u);
  EXPECT_EQ(open.peer_subject(), "CN=sts.test");
  TlsConnection stale(ts.endpoint(), trusts_old.get());  // trusts only the old certificate
  EXPECT_FALSE(stale.handshake_ok());
}

TEST_F(TlsServer, TlsContextCannotBeSetOnAPlainListenerOrBeNull) {
  TestServer plain(hello_router());
  auto r = plain.server().set_tls_context(testing::server_context(server_id_));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  TestServer tls(hello_router(), {}, tls_options(server_id_));
  EXPECT_FALSE(tls.server().set_tls_context(nullptr));
  IoRuntime rt(1, 1);
  log::Logger quiet(log::Format::kText, log::Level::kError, nullptr);
  Server other(rt, "other", {}, Router{}, quiet);
  auto listened = other.listen("127.0.0.1:0", TlsOptions{});
  ASSERT_FALSE(listened);
  EXPECT_NE(listened.error().message.find("no TLS context"), std::string::npos);
}

TEST_F(TlsServer, PlainListenerStillServesPlainHttpWithoutTls) {
  TestServer ts(hello_router());
  RawConnection c(ts.endpoint());
  ASSERT_TRUE(c.write(get_request("/hello")));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "hi plain");
}

TEST_F(TlsServer, OpensslSClientCompletesAHandshakeAndShowsTheSubject) {
  TestServer ts(hello_router(), {}, tls_options(server_id_));
  sigil::testing::ProcessOptions o;
  o.timeout = std::chrono::seconds(20);  // stdin is empty and closed: s_client quits after
  auto r = sigil::testing::run_process(
      {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(ts.endpoint().port()),
       "-servername", "x", "-alpn", "http/1.1"},
      o);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->exit_code, 0) << r->out << r->err;
  EXPECT_NE(r->out.find("subject=CN = sts.test"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), std::string::npos)
      << r->out;
  EXPECT_NE(r->out.find("ALPN protocol: http/1.1"), std::string::npos) << r->out;
}

}  // namespace
}  // namespace sigil::http
