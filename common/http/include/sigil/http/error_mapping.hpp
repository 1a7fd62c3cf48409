#pragma once
// THE table that says what each sigil::Errc means on the wire (docs/reference/style.md §3): the
// HTTP status and error string of the REST API, and the SOAP 1.1 fault (namespace, local name,
// default faultstring) of the WS-Trust endpoint. Domain code returns an Errc and never picks a
// status.
//
// Fault codes follow docs/reference/wstrust.md §4 (as vCenter's STS, Lightwave, uses them).
// SOAP faults always travel with HTTP 500 (docs/reference/wstrust.md §1.3); `rest_status` is for
// JSON only.
//
// Thread-safety: immutable data and pure functions.

#include <span>
#include <string>
#include <string_view>

#include "sigil/base/error.hpp"

namespace sigil::http {

inline constexpr std::string_view kWstNamespace =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
inline constexpr std::string_view kWsseNamespace =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
inline constexpr std::string_view kSoapEnvelopeNamespace =
    "http://schemas.xmlsoap.org/soap/envelope/";

enum class FaultNamespace { kWsTrust, kWsse };

struct ErrorMapping {
  Errc code;
  unsigned rest_status;            // HTTP status of a JSON error answer
  FaultNamespace fault_namespace;  // namespace bound to the `ns0` prefix of faultcode
  std::string_view fault_local;    // e.g. "FailedAuthentication"
  std::string_view fault_string;   // used when Error::message is empty
};

/// Every row of the table, in kAllErrcs order.
std::span<const ErrorMapping> error_mappings();
/// The row for `code` (every Errc has exactly one; a test checks it).
const ErrorMapping& error_mapping(Errc code);

std::string_view fault_namespace_uri(FaultNamespace ns);

/// The SOAP 1.1 fault envelope of docs/reference/wstrust.md §4, byte for byte: XML declaration, no
/// whitespace, `ns0` declared on faultcode, unqualified faultcode/faultstring, no detail. The
/// faultstring is Error::message (escaped), or the table's default text when the message is empty,
/// so the body always has exactly two text nodes (pyVmomi relies on that). Error::detail is never
/// included.
std::string soap_fault_body(const Error& error);

/// `{"error":"<errc_name>","message":"<message or default text>"}`. Never includes detail.
std::string rest_error_body(const Error& error);

}  // namespace sigil::http
