#include "sigil/http/error_mapping.hpp"

#include <boost/json.hpp>

#include "sigil/base/result.hpp"
#include "sigil/base/xml_text.hpp"

namespace sigil::http {
namespace {

using enum FaultNamespace;

// Default faultstrings are Lightwave's texts (docs/reference/wstrust.md §4), except
// FailedAuthentication, which uses the text real vCenter sends ("Authentication failed", no full
// stop; vsphere-automation-sdk-python #45). The wsse defaults without a Lightwave text are
// WS-Security 1.1 Table 1.
constexpr std::string_view kInvalidRequestText = "The request was invalid or malformed.";
constexpr std::string_view kRequestFailedText = "The specified request failed.";
constexpr std::string_view kFailedAuthText = "Authentication failed";
constexpr std::string_view kInvalidSecurityText =
    "An error was discovered processing the <wsse:Security> header.";

// Choices vCenter leaves open (the outcomes are listed in docs/reference/wstrust.md §4):
// - kTokenExpired: an expired SAML token presented as a credential (token-by-token Issue,
//   LoginByToken-style checks) is a problem with the contents of the wsse:Security header, which
//   Lightwave reports as wsse:InvalidSecurity (InvalidSecurityHeaderException, "bad ...
//   assertion"). RequestFailed would hide the cause from the client. Renew of an expired token is
//   decided by the renew code, which returns kUnableToRenew.
// - kUnauthenticated (no credential at all) and kAuthFailed share wst:FailedAuthentication so that
//   401 on REST and FailedAuthentication on SOAP always mean the same thing.
// - kNotFound on the SOAP endpoint is RequestFailed; an unknown *tenant* never reaches this table
//   (docs/reference/wstrust.md §1.1: plain HTTP 404, decided by the routing layer before SOAP
//   processing).
// - kKeyNotFound (no signing key loaded) is an operational state, so REST says 503.
// - kRateLimited (a client source out of password attempts) is 429 on REST; SOAP clients read
//   only 200 and 500, so it is wst:RequestFailed there, with the error's own message.
constexpr ErrorMapping kTable[] = {
    {Errc::kInvalidArgument, 400, kWsTrust, "InvalidRequest", kInvalidRequestText},
    {Errc::kMalformedRequest, 400, kWsTrust, "InvalidRequest", kInvalidRequestText},
    {Errc::kPayloadTooLarge, 413, kWsTrust, "InvalidRequest", kInvalidRequestText},
    {Errc::kUnsupported, 400, kWsTrust, "InvalidRequest", kInvalidRequestText},
    {Errc::kUnsupportedAlgorithm, 400, kWsse, "UnsupportedAlgorithm",
     "An unsupported signature or encryption algorithm was used"},
    {Errc::kAuthFailed, 401, kWsTrust, "FailedAuthentication", kFailedAuthText},
    {Errc::kUnauthenticated, 401, kWsTrust, "FailedAuthentication", kFailedAuthText},
    {Errc::kPermissionDenied, 403, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kSignatureInvalid, 401, kWsse, "InvalidSecurity", kInvalidSecurityText},
    {Errc::kMessageExpired, 400, kWsse, "MessageExpired", "The message has expired"},
    {Errc::kTokenExpired, 401, kWsse, "InvalidSecurity", kInvalidSecurityText},
    {Errc::kInvalidTimeRange, 400, kWsTrust, "InvalidTimeRange",
     "The requested time range is invalid or unsupported."},
    {Errc::kUnableToRenew, 400, kWsTrust, "UnableToRenew", "The requested renewal failed."},
    {Errc::kNotFound, 404, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kKeyNotFound, 503, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kConflict, 409, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kDecryptFailed, 500, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kUnavailable, 503, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kRateLimited, 429, kWsTrust, "RequestFailed", kRequestFailedText},
    {Errc::kInternal, 500, kWsTrust, "RequestFailed", kRequestFailedText},
};

std::string_view client_text(const Error& error) {
  if (!error.message.empty()) return error.message;
  return error_mapping(error.code).fault_string;
}

}  // namespace

std::span<const ErrorMapping> error_mappings() { return kTable; }

const ErrorMapping& error_mapping(Errc code) {
  for (const auto& row : kTable) {
    if (row.code == code) return row;
  }
  SIGIL_CHECK(false && "Errc missing from the error mapping table");
  return kTable[std::size(kTable) - 1];
}

std::string_view fault_namespace_uri(FaultNamespace ns) {
  return ns == FaultNamespace::kWsse ? kWsseNamespace : kWstNamespace;
}


std::string soap_fault_body(const Error& error) {
  const ErrorMapping& m = error_mapping(error.code);
  std::string out;
  out.reserve(512);
  out += R"(<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S=")";
  out += kSoapEnvelopeNamespace;
  out += R"("><S:Body><S:Fault><faultcode xmlns:ns0=")";
  out += fault_namespace_uri(m.fault_namespace);
  out += R"(">ns0:)";
  out += m.fault_local;
  out += "</faultcode><faultstring>";
  out += escape_xml_text(client_text(error));
  out += "</faultstring></S:Fault></S:Body></S:Envelope>";
  return out;
}

std::string rest_error_body(const Error& error) {
  boost::json::object o;
  o["error"] = errc_name(error.code);
  o["message"] = client_text(error);
  return boost::json::serialize(o);
}

}  // namespace sigil::http
