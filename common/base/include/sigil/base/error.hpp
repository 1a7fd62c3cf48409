#pragma once
// sigil::Error and sigil::Errc: the one error type of Sigil, returned as a value (no exceptions).
//
// `Errc` lists domain codes only. What a code means on the wire (HTTP status, SOAP fault, REST
// error string) is decided in exactly one table, common/http/error_mapping.cpp; domain code never
// picks a status. `message` is safe to show a client; `detail` is internal (OpenSSL error queue,
// SQLSTATE, ...) and is logged, never sent.
//
// Thread-safety: plain value types.

#include <array>
#include <ostream>
#include <string>
#include <string_view>

namespace sigil {

// Keep kAllErrcs below in sync; tests check that every code is mapped and triggered.
enum class Errc {
  kInvalidArgument,       // bad configuration, flag or CLI input
  kMalformedRequest,      // unparseable or schema-violating request (XML, JSON, SOAP)
  kPayloadTooLarge,       // a size, depth or count limit was exceeded
  kUnsupported,           // a well-formed request for something Sigil does not do
  kUnsupportedAlgorithm,  // SHA-1, HMAC, an unexpected transform or c14n
  kAuthFailed,            // bad password, unknown user, locked user, untrusted certificate
  kUnauthenticated,       // admin API: no credential presented
  kPermissionDenied,      // authenticated, but not allowed
  kSignatureInvalid,      // XML-DSig / WS-Security signature missing, wrong or wrapped
  kMessageExpired,        // WS-Security Timestamp expired or in the future
  kTokenExpired,          // SAML token outside its validity window
  kInvalidTimeRange,      // requested Lifetime impossible
  kUnableToRenew,         // renewal not allowed (count, flags, bearer)
  kNotFound,              // tenant, user, or other named thing does not exist
  kKeyNotFound,           // no signing/verifying key for the request
  kConflict,              // unique violation, concurrent change
  kDecryptFailed,         // ciphertext tampered or wrong master key
  kUnavailable,           // database or peer unreachable; retry later
  kRateLimited,           // this client sent too many attempts; retry later
  kInternal,              // a bug or an unexpected dependency failure
};

inline constexpr std::array kAllErrcs = {
    Errc::kInvalidArgument,  Errc::kMalformedRequest, Errc::kPayloadTooLarge,
    Errc::kUnsupported,      Errc::kUnsupportedAlgorithm, Errc::kAuthFailed,
    Errc::kUnauthenticated,  Errc::kPermissionDenied, Errc::kSignatureInvalid,
    Errc::kMessageExpired,   Errc::kTokenExpired,     Errc::kInvalidTimeRange,
    Errc::kUnableToRenew,    Errc::kNotFound,         Errc::kKeyNotFound,
    Errc::kConflict,         Errc::kDecryptFailed,    Errc::kUnavailable,
    Errc::kRateLimited,      Errc::kInternal,
};

// Stable snake_case name of a code, used in logs and as the REST `error` string.
std::string_view errc_name(Errc code) noexcept;

struct Error {
  Errc code = Errc::kInternal;
  std::string message;  // safe for clients
  std::string detail;   // internal only: logged, never sent

  // "message: detail" (or just message), for logs and CLI output.
  std::string to_string() const;
};

inline Error make_error(Errc code, std::string message, std::string detail = {}) {
  return Error{code, std::move(message), std::move(detail)};
}

std::ostream& operator<<(std::ostream& os, const Error& e);

}  // namespace sigil
