#include "sigil/base/error.hpp"

#include <cstdio>
#include <cstdlib>

#include "sigil/base/result.hpp"

namespace sigil {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kMalformedRequest: return "malformed_request";
    case Errc::kPayloadTooLarge: return "payload_too_large";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kUnsupportedAlgorithm: return "unsupported_algorithm";
    case Errc::kAuthFailed: return "auth_failed";
    case Errc::kUnauthenticated: return "unauthenticated";
    case Errc::kPermissionDenied: return "permission_denied";
    case Errc::kSignatureInvalid: return "signature_invalid";
    case Errc::kMessageExpired: return "message_expired";
    case Errc::kTokenExpired: return "token_expired";
    case Errc::kInvalidTimeRange: return "invalid_time_range";
    case Errc::kUnableToRenew: return "unable_to_renew";
    case Errc::kNotFound: return "not_found";
    case Errc::kKeyNotFound: return "key_not_found";
    case Errc::kConflict: return "conflict";
    case Errc::kDecryptFailed: return "decrypt_failed";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kRateLimited: return "rate_limited";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::to_string() const {
  if (detail.empty()) return message;
  return message + ": " + detail;
}

std::ostream& operator<<(std::ostream& os, const Error& e) {
  return os << errc_name(e.code) << ": " << e.to_string();
}

namespace detail {
void bad_result_access(const Error& e) noexcept {
  std::fprintf(stderr, "fatal: value() on a failed Result: %s\n", e.to_string().c_str());
  std::abort();
}
void check_failed(const char* cond, const char* file, int line) noexcept {
  std::fprintf(stderr, "fatal: SIGIL_CHECK(%s) failed at %s:%d\n", cond, file, line);
  std::abort();
}
}  // namespace detail

}  // namespace sigil
