#pragma once
// sigilctl's client of certmgr's admin API (docs/admin-api.md): HTTPS to --server, the server
// verified against --ca-file (default HOME/tls/server.crt), authenticated with an admin client
// certificate (--client-cert/--client-key, SIGIL_CLIENT_CERT/SIGIL_CLIENT_KEY) or a token
// (--token-file: SAML XML or its base64, sent as `Authorization: SAML <base64>`).
//
// A 2xx answer is the JSON body; any other is an Error whose message is the server's (one line,
// e.g. "no signing key sk-1 in tenant vsphere.local") and whose code follows the REST `error`
// string, so sigilctl prints it as is.
//
// Thread-safety: used from main's thread only.

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config.hpp"
#include "sigil/base/result.hpp"

namespace sigil::ctl {

struct AdminAnswer {
  unsigned status = 0;
  boost::json::value body;  ///< the parsed JSON (an object), also for error answers
};

/// `method` on /api/v1/admin/tenants/<--tenant><path>[?query] with `body` (JSON) if given.
/// Fails only when no JSON answer arrived (transport, TLS, credentials files, not JSON).
Result<AdminAnswer> call_admin(const SigilctlConfig& cfg, boost::beast::http::verb method,
                               std::string_view path,
                               const std::optional<boost::json::object>& body = std::nullopt,
                               std::string_view query = {});

/// call_admin, and a non-2xx answer becomes an Error with the server's message.
Result<boost::json::value> admin_request(
    const SigilctlConfig& cfg, boost::beast::http::verb method, std::string_view path,
    const std::optional<boost::json::object>& body = std::nullopt, std::string_view query = {});

/// The Error an error answer stands for.
Error error_of(const AdminAnswer& answer);

/// The string member `key` of `o`, or "-" when absent or null.
std::string text_of(const boost::json::value& o, std::string_view key);

}  // namespace sigil::ctl
