#pragma once
// The SOAP 1.1 success responses of the WS-Trust endpoint, byte for byte as
// docs/reference/wstrust.md §3 and §6 require:
//   - an XML declaration directly followed by the Envelope, everything on one line, no
//     whitespace-only text anywhere;
//   - prefix `S` for the SOAP envelope, `wst` for WS-Trust 1.3, `wsu` for the utility namespace;
//     no default namespace declaration on any ancestor of the assertion
//     (docs/reference/wstrust.md §6.3);
//   - Issue -> wst:RequestSecurityTokenResponseCollection with one RSTR; Renew and Validate -> a
//     bare wst:RequestSecurityTokenResponse in S:Body (a wrong container panics govmomi,
//     docs/reference/wstrust.md §3.1);
//   - the assertion bytes are copied unchanged as the only content of wst:RequestedSecurityToken,
//     so they are the first saml2:Assertion in the document (pyVmomi) and the exact innerxml
//     (govmomi);
//   - wst:Lifetime times as YYYY-MM-DDTHH:MM:SS.mmmZ (govmomi parses exactly that).
// RSTR children in the order of docs/reference/wstrust.md §3.2: TokenType, Lifetime,
// RequestedSecurityToken, Renewing, Delegatable, KeyType, SignatureAlgorithm.
//
// SOAP faults are not built here: render them with sigil::http::soap_fault_body (the one Errc ->
// fault table, common/http/error_mapping.hpp).
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"
#include "sigil/saml/names.hpp"

namespace sigil::sts::wstrust {

/// What the RSTR says about the issued token. `assertion_wire_xml` is the signed saml2:Assertion
/// element exactly as issued (one line, no XML declaration); it is inserted verbatim.
struct IssuedToken {
  std::string_view assertion_wire_xml;
  TimePoint created;  // the granted validity, equal to the assertion's Conditions window
  TimePoint expires;
  bool renewable = false;
  bool delegatable = false;
  bool holder_of_key = false;                                    // KeyType PublicKey, else Bearer
  std::string_view signature_algorithm = saml::uri::kRsaSha256;  // of the assertion's signature
};

/// Issue: Envelope/Body/RequestSecurityTokenResponseCollection/RequestSecurityTokenResponse.
std::string issue_response(const IssuedToken& token);
std::string issue_response(std::string_view assertion_wire_xml, TimePoint created,
                           TimePoint expires, bool renewable, bool delegatable, bool holder_of_key);

/// Renew: Envelope/Body/RequestSecurityTokenResponse with the renewed token.
std::string renew_response(const IssuedToken& token);
std::string renew_response(std::string_view assertion_wire_xml, TimePoint created,
                           TimePoint expires, bool renewable, bool delegatable, bool holder_of_key);

/// Validate: Envelope/Body/RequestSecurityTokenResponse with TokenType RSTR/Status and
/// wst:Status/wst:Code .../status/valid or .../status/invalid, plus wst:Reason when `reason` is
/// not empty (escaped as XML text; never put secrets or token contents there).
std::string validate_response(bool valid, std::string_view reason = {});

}  // namespace sigil::sts::wstrust
