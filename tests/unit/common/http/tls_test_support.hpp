#pragma once
// Helpers for the HTTPS tests of Server: self-signed identities, server and client contexts, and
// a TLS client connection whose every wait has a deadline (a server bug fails a test instead of
// hanging it).
//
// Thread-safety: a TlsConnection belongs to one test thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "http_test_support.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/tls_context.hpp"

namespace sigil::http::testing {

struct Identity {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string pem() const;
  std::vector<std::uint8_t> der() const;
};

/// A self-signed ECDSA P-256 certificate for `cn` (also its DNS name), valid in [from, to).
Identity make_identity(const std::string& cn, TimePoint from, TimePoint to);
/// The same, valid from an hour ago for a day.
Identity make_identity(const std::string& cn);

crypto::SslCtxPtr server_context(const Identity& id,
                                 crypto::ClientCertMode mode = crypto::ClientCertMode::kNone);
TlsOptions tls_options(const Identity& id,
                       crypto::ClientCertMode mode = crypto::ClientCertMode::kNone);
/// A client that trusts `server` (or nothing, if null) and presents `own` (if not null).
crypto::SslCtxPtr client_context(const Identity* server, const Identity* own = nullptr);

/// "https://" URL-less client: connect + handshake in the constructor.
class TlsConnection {
 public:
  TlsConnection(const tcp::endpoint& endpoint, SSL_CTX* ctx, const std::string& sni = "",
                SSL_SESSION* resume = nullptr);
  /// The handshake completed (for TLS 1.3, a refused client certificate shows on the first read).
  bool handshake_ok() const { return handshake_ok_; }
  const std::string& error() const { return error_; }
  SSL* ssl() { return stream_.native_handle(); }
  /// Writes GET `target` and reads the answer; nothing on close, error or timeout.
  std::optional<RawResponse> get(std::string_view target,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(2));
  /// The server's certificate subject, e.g. "CN=sts.test".
  std::string peer_subject();
  /// Sends close_notify and waits for the server's. A session stays resumable only when its
  /// connection was shut down this way (OpenSSL marks the session of a dropped one unusable).
  bool shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(2));

 private:
  bool run(bool& done, std::chrono::milliseconds timeout);

  net::io_context io_;
  net::ssl::stream<tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
  bool handshake_ok_ = false;
  std::string error_;
};

}  // namespace sigil::http::testing
