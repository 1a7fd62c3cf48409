#pragma once
// The checks a third-party signing key + certificate (+ chain) must pass before it may join a
// tenant's key set. check_import() runs every check it can and reports each by name, so an
// operator sees all problems at once, not one per attempt:
//
//   certificate-pem   the certificate file holds exactly one PEM certificate
//   key-pem           the key file holds one unencrypted PEM private key
//   chain-pem         the chain file (when given) holds PEM certificates
//   key-matches       the private key is the certificate's
//   key-type          RSA >= 2048 bits, or ECDSA P-256 / P-384
//   validity          not expired (fail); not yet valid (warn)
//   key-usage         keyUsage present and includes digitalSignature
//   not-ca            basicConstraints does not say CA:TRUE
//   chain             the chain (when given) verifies the certificate up to a self-signed root
//   expiry-margin     at least `min_remaining` left before notAfter (else warn)
//
// A check whose input did not parse is kSkip, with the reason. Any kFail rejects the import;
// any kWarn requires the operator's --force.
//
// Thread-safety: pure function.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::keys {

enum class CheckStatus { kPass, kWarn, kFail, kSkip };

/// "pass", "warn", "fail", "skip".
std::string_view status_name(CheckStatus status) noexcept;

struct ImportCheck {
  std::string name;
  CheckStatus status = CheckStatus::kSkip;
  std::string message;
};

struct ImportInput {
  std::string_view certificate_pem;
  std::string_view private_key_pem;
  std::optional<std::string_view> chain_pem;  ///< issuers up to and including the root
};

struct ImportPolicy {
  /// Less than this left before notAfter is a warning (90 days: the expiry alarm threshold).
  std::chrono::seconds min_remaining = std::chrono::hours(24 * 90);
};

struct ImportReport {
  std::vector<ImportCheck> checks;
  // Parsed material, set when it parsed (for storing the key after the checks passed).
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr certificate;
  std::vector<crypto::X509Ptr> chain;  ///< as given, nearest issuer first
  std::optional<crypto::CertInfo> info;

  /// Any check failed (or was skipped because its input did not parse).
  bool rejected() const noexcept;
  /// Any check warned: the import needs --force.
  bool needs_force() const noexcept;
  /// The check called `name`, or nullptr.
  const ImportCheck* find(std::string_view name) const noexcept;
};

/// Runs every check at `now`.
ImportReport check_import(const ImportInput& input, TimePoint now, const ImportPolicy& policy = {});

}  // namespace sigil::keys
