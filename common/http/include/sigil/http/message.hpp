#pragma once
// Request and Response as handlers see them, plus helpers that build common answers.
//
// A handler gets the parsed Beast request, the path without its query, the values of `{name}`
// segments of the route pattern, the peer address, and for HTTPS the client certificate. It returns
// a Beast response with status, content type and body; the server fills in version, keep-alive and
// Content-Length.
//
// Thread-safety: plain value types; a Request belongs to one connection coroutine.

#include <map>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sigil/base/error.hpp"
#include "sigil/crypto/handles.hpp"

namespace sigil::http {

namespace bhttp = boost::beast::http;

using Response = bhttp::response<bhttp::string_body>;

struct Request {
  bhttp::request<bhttp::string_body> message;
  std::string path;   // target without `?query`; never logged with the query
  std::string query;  // without the `?`
  std::map<std::string, std::string, std::less<>> params;  // `{tenant}` -> "vsphere.local"
  std::string remote;                                      // peer "ip:port"
  boost::asio::ip::address remote_address;                 // the TCP peer's address
  bool tls = false;                                        // arrived over HTTPS
  /// TLS: the server name (SNI) the client sent in the handshake, as sent (any case, maybe a
  /// trailing dot), or "" (plain HTTP, or a client without SNI). Every request on a keep-alive
  /// connection carries its connection's name.
  std::string server_name;
  /// The certificate the client presented in the TLS handshake (proof that it holds the key),
  /// or null on plain HTTP or when none was sent. A request filter (router.hpp) may set it on
  /// a listener behind a trusted TLS-terminating proxy (sts --client-cert-header). Without a
  /// client CA in the TLS context it is NOT checked against any trust (crypto/tls_context.hpp):
  /// authenticate by comparing its DER with the registered certificate, never by its subject.
  crypto::X509Ptr peer_certificate;
  // Set by the handler to add `fault=...` to the access log line (e.g. "wst:FailedAuthentication").
  std::string fault;

  /// The value of a `{name}` path segment, or "" when the route has none.
  std::string_view param(std::string_view name) const;
};

inline constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kTextXml = "text/xml; charset=utf-8";
inline constexpr std::string_view kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";

Response make_response(bhttp::status status, std::string body, std::string_view content_type);

/// JSON `{"error","message"}` with the table's REST status (error_mapping.hpp).
Response rest_error(const Error& error);
/// SOAP 1.1 fault, HTTP 500 (docs/reference/wstrust.md §1.3, §4). Sets request.fault for the log.
Response soap_fault(Request& request, const Error& error);

}  // namespace sigil::http
