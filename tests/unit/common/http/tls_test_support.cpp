#include "tls_test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <gtest/gtest.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::http::testing {
namespace {

using namespace std::chrono_literals;

template <class T>
T must(Result<T> r) {
  SIGIL_CHECK(r.has_value());
  return std::move(r).value();
}

}  // namespace

std::string Identity::pem() const { return must(crypto::write_certificate_pem(cert.get())); }
std::vector<std::uint8_t> Identity::der() const {
  return must(crypto::write_certificate_der(cert.get()));
}

Identity make_identity(const std::string& cn, TimePoint from, TimePoint to) {
  Identity id;
  id.key = must(crypto::generate_key(crypto::KeyType::kEcdsaP256));
  crypto::CertRequest r;
  r.subject.common_name = cn;
  r.dns_names = {cn};
  r.subject_key = id.key.get();
  r.issuer_key = id.key.get();
  r.not_before = from;
  r.not_after = to;
  r.key_usage.digital_signature = true;
  r.extended_key_usage = crypto::ExtendedKeyUsage{.server_auth = true, .client_auth = true};
  id.cert = must(crypto::issue_certificate(r));
  return id;
}

Identity make_identity(const std::string& cn) {
  auto now = std::chrono::system_clock::now();
  return make_identity(cn, now - 1h, now + 24h);
}

crypto::SslCtxPtr server_context(const Identity& id, crypto::ClientCertMode mode) {
  crypto::ServerTlsConfig cfg;
  cfg.key = id.key.get();
  cfg.certificate = id.cert.get();
  cfg.client_cert_mode = mode;
  return must(crypto::make_server_tls_context(cfg));
}

TlsOptions tls_options(const Identity& id, crypto::ClientCertMode mode) {
  TlsOptions o;
  o.context = server_context(id, mode);
  return o;
}

crypto::SslCtxPtr client_context(const Identity* server, const Identity* own) {
  crypto::ClientTlsConfig cfg;
  if (server != nullptr) cfg.trust_pem = server->pem();
  if (own != nullptr) {
    cfg.key = own->key.get();
    cfg.certificate = own->cert.get();
  }
  return must(crypto::make_client_tls_context(cfg));
}

TlsConnection::TlsConnection(const tcp::endpoint& endpoint, SSL_CTX* ctx, const std::string& sni,
                             SSL_SESSION* resume)
    : stream_(io_, SSL_new(ctx)) {  // the stream takes ownership of the SSL
  if (!sni.empty()) SSL_set_tlsext_host_name(stream_.native_handle(), sni.c_str());
  if (resume != nullptr) SSL_set_session(stream_.native_handle(), resume);
  bool done = false;
  boost::system::error_code result;
  stream_.next_layer().async_connect(endpoint, [&](boost::system::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run(done, 2s) || result) {
    error_ = "connect: " + result.message();
    return;
  }
  done = false;
  stream_.async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code ec) {
    result = ec;
    done = true;
  });
  handshake_ok_ = run(done, 2s) && !result;
  if (!handshake_ok_) error_ = result.message() + " " + crypto::drain_openssl_errors();
}

bool TlsConnection::run(bool& done, std::chrono::milliseconds timeout) {
  io_.restart();
  io_.run_for(timeout);
  if (done) return true;
  boost::system::error_code ignored;
  stream_.next_layer().cancel(ignored);
  io_.restart();
  io_.run();
  return false;
}

std::optional<RawResponse> TlsConnection::get(std::string_view target,
                                              std::chrono::milliseconds timeout) {
  std::string request = get_request(target);
  bool done = false;
  boost::system::error_code result;
  net::async_write(stream_, net::buffer(request), [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run(done, timeout) || result) return std::nullopt;
  done = false;
  RawResponse res;
  bhttp::async_read(stream_, buffer_, res, [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run(done, timeout) || result) {
    error_ = result.message() + " " + crypto::drain_openssl_errors();
    return std::nullopt;
  }
  return res;
}

bool TlsConnection::shutdown(std::chrono::milliseconds timeout) {
  bool done = false;
  boost::system::error_code result;
  stream_.async_shutdown([&](boost::system::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run(done, timeout)) return false;
  if (result) error_ = result.message() + " " + crypto::drain_openssl_errors();
  return !result;
}

std::string TlsConnection::peer_subject() {
  X509* cert = SSL_get0_peer_certificate(stream_.native_handle());
  if (cert == nullptr) return "";
  return must(crypto::describe(cert)).subject;
}

}  // namespace sigil::http::testing
