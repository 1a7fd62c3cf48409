#include "sigil/http/client.hpp"

#include <exception>
#include <memory>
#include <optional>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/tls_context.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/http/awaitable_io.hpp"

namespace sigil::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string where(const Url& url) {
  return url.host_port.host + ":" + std::to_string(url.host_port.port);
}

Error unavailable(const Url& url, std::string_view what, const boost::system::error_code& ec) {
  return make_error(Errc::kUnavailable, std::string(what) + " " + where(url) + ": " + ec.message());
}

// The client SSL_CTX for `tls`, wrapped for Asio (which then owns it).
Result<std::unique_ptr<net::ssl::context>> client_context(const ClientTls& tls) {
  if (tls.trust_pem.empty()) {
    return fail(Errc::kInvalidArgument, "https needs the server's CA certificate (trust roots)");
  }
  crypto::ClientTlsConfig cfg;
  cfg.trust_pem = tls.trust_pem;
  std::vector<crypto::X509Ptr> chain;
  crypto::EvpPkeyPtr key;
  if (!tls.client_cert_pem.empty() || !tls.client_key_pem.empty()) {
    if (tls.client_cert_pem.empty() || tls.client_key_pem.empty()) {
      return fail(Errc::kInvalidArgument, "a client certificate needs both certificate and key");
    }
    auto certs = crypto::parse_certificate_bundle(tls.client_cert_pem);
    if (!certs) return fail(Errc::kInvalidArgument, "client certificate: " + certs.error().message);
    chain = std::move(*certs);
    auto k = crypto::read_private_key_pem(tls.client_key_pem);
    if (!k) return fail(Errc::kInvalidArgument, "client key: " + k.error().message);
    key = std::move(*k);
    cfg.key = key.get();
    cfg.certificate = chain.front().get();
    for (std::size_t i = 1; i < chain.size(); ++i) cfg.chain.push_back(chain[i].get());
  }
  SIGIL_TRY(crypto::SslCtxPtr ctx, crypto::make_client_tls_context(cfg));
  auto wrapped = std::make_unique<net::ssl::context>(ctx.get());
  (void)ctx.release();  // net::ssl::context took ownership (its destructor frees the SSL_CTX)
  return wrapped;
}

// Verify that the server's certificate names the URL's host; send SNI for DNS names.
Result<void> expect_host(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  (void)net::ip::make_address(host, ec);
  if (!ec) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
      return crypto::crypto_error("cannot set the expected server IP address");
    }
    return {};
  }
  if (SSL_set1_host(ssl, host.c_str()) != 1 || SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return crypto::crypto_error("cannot set the expected server name");
  }
  return {};
}

template <class S>
net::awaitable<Result<ClientResponse>> round_trip(S& stream, const ClientRequest& in,
                                                  const Url& url,
                                                  std::chrono::steady_clock::time_point deadline) {
  bhttp::request<bhttp::string_body> req{in.method, url.target, 11};
  req.set(bhttp::field::host, url.host_port.host);
  req.set(bhttp::field::user_agent, "sigil");
  if (!in.content_type.empty()) req.set(bhttp::field::content_type, in.content_type);
  for (const auto& [name, value] : in.headers) req.set(name, value);
  req.body() = in.body;
  req.prepare_payload();
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [wec, wn] = co_await bhttp::async_write(stream, req);
  if (wec) co_return unexpected(unavailable(url, "cannot send to", wec));
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(in.body_limit);
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [rdec, rn] = co_await bhttp::async_read(stream, buffer, parser);
  if (rdec) co_return unexpected(unavailable(url, "no answer from", rdec));
  auto& res = parser.get();
  co_return ClientResponse{res.result_int(), std::string(res[bhttp::field::content_type]),
                           std::move(res.body())};
}

net::awaitable<Result<ClientResponse>> exchange(const ClientRequest& in, const Url& url,
                                                net::ssl::context* tls) {
  auto deadline = std::chrono::steady_clock::now() + in.timeout;
  Resolver resolver(co_await net::this_coro::executor);
  TcpStream stream(co_await net::this_coro::executor);
  stream.expires_at(deadline);
  auto [rec, results] =
      co_await resolver.async_resolve(url.host_port.host, std::to_string(url.host_port.port));
  if (rec) co_return unexpected(unavailable(url, "cannot resolve", rec));
  auto [cec, ep] = co_await stream.async_connect(results);
  if (cec) co_return unexpected(unavailable(url, "cannot connect to", cec));
  if (tls == nullptr) co_return co_await round_trip(stream, in, url, deadline);

  TlsStream tls_stream(std::move(stream), *tls);
  auto host_ok = expect_host(tls_stream.native_handle(), url.host_port.host);
  if (!host_ok) co_return unexpected(host_ok.error());
  beast::get_lowest_layer(tls_stream).expires_at(deadline);
  auto [hec] = co_await tls_stream.async_handshake(net::ssl::stream_base::client);
  if (hec) {
    std::string why = hec.message();
    const long verify = SSL_get_verify_result(tls_stream.native_handle());
    if (verify != X509_V_OK) why = X509_verify_cert_error_string(verify);
    crypto::drain_openssl_errors();
    co_return unexpected(make_error(Errc::kUnavailable,
                                    "TLS handshake with " + where(url) + " failed: " + why));
  }
  auto result = co_await round_trip(tls_stream, in, url, deadline);
  beast::get_lowest_layer(tls_stream).expires_after(std::chrono::milliseconds(500));
  auto [sec] = co_await tls_stream.async_shutdown();
  (void)sec;  // the answer is in; a server that just closes (stream_truncated) is fine
  co_return result;
}

}  // namespace

Result<ClientResponse> send(const ClientRequest& request) {
  SIGIL_TRY(Url url, parse_url(request.url));
  std::unique_ptr<net::ssl::context> tls;
  if (url.scheme == "https") {
    SIGIL_TRY(tls, client_context(request.tls));
  } else if (url.scheme != "http") {
    return fail(Errc::kInvalidArgument, "not an http or https URL: " + request.url);
  }
  net::io_context io;
  std::optional<Result<ClientResponse>> out;
  // co_spawn needs a default-constructible result type; Result<T> is not.
  auto task = [&]() -> net::awaitable<std::optional<Result<ClientResponse>>> {
    co_return co_await exchange(request, url, tls.get());
  };
  net::co_spawn(io, task,
                [&out](const std::exception_ptr& e, std::optional<Result<ClientResponse>> r) {
                  if (e) {
                    out = fail(Errc::kInternal, "HTTP client failed");
                    return;
                  }
                  out = std::move(r);
                });
  io.run();
  if (!out) return fail(Errc::kInternal, "HTTP client did not finish");
  return std::move(*out);
}

Result<ClientResponse> get(std::string_view url, std::chrono::milliseconds timeout) {
  ClientRequest r;
  r.url = std::string(url);
  r.timeout = timeout;
  return send(r);
}

}  // namespace sigil::http
