#pragma once
// The WS-Trust requests sigil_sts_bench sends and how it judges the answers.
//
// - Issue, holder-of-key, authenticated by the TLS client certificate of a solution user: the
//   request is unsigned (wsu:Timestamp only) with KeyType PublicKey, so the client spends no RSA
//   operation per token and the server's work is one RSA-2048 signature plus XML and TLS.
// - Validate of such a token: the server parses and verifies the assertion.
//
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"

namespace sigil::bench {

inline constexpr std::string_view kWst = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

enum RequestKind : int { kIssue = 1, kValidate = 2 };

/// SOAPAction of the issue / validate requests.
std::string issue_action();
std::string validate_action();

/// An unsigned holder-of-key Issue RST; its Timestamp is valid from `now` for 10 minutes.
std::string hok_issue_request(TimePoint now);

/// A Validate RST for `assertion` (the saml2:Assertion element, as issued).
std::string validate_request(std::string_view assertion);

/// The saml2:Assertion element of an RSTR, if there is one.
std::optional<std::string_view> assertion_of(std::string_view rstr);

/// The issued token is a holder-of-key assertion.
bool is_hok_token_response(unsigned status, std::string_view body);

/// The validation said "valid".
bool is_valid_status_response(unsigned status, std::string_view body);

/// The signing certificate of an assertion: the text of its first ds:X509Certificate, which is
/// in the assertion's own ds:Signature (it precedes the Subject and its confirmation key).
std::optional<std::string_view> signing_certificate_b64(std::string_view assertion);

}  // namespace sigil::bench
