#pragma once
// The WS-Trust token service: Issue, Renew and Validate as vCenter's STS does them
// (docs/reference/wstrust.md), over the protocol layer (sts/wstrust), the identity source and the
// tenant's key set.
//
// Credentials accepted for Issue, first match wins:
//   - a WS-Security signature by a BinarySecurityToken certificate: with a UsernameToken the
//     subject is that user (password checked) and the certificate the proof key (govmomi's
//     "HoK token for an interactive user"); without, the solution user owning the certificate;
//   - a WS-Security signature by the key of a holder-of-key SAML token in the header (token by
//     token): same subject, new token;
//   - a UsernameToken alone: bearer tokens only;
//   - a TLS client certificate (mTLS) of a solution user: bearer or holder-of-key.
// ActAs needs a signed request by an acting solution user of ActAsUsers and a delegable token.
// Renew needs a holder-of-key token with renewals left, signed by its own key. Tokens derived
// from tokens follow token_policy.hpp (docs/delegation.md). Validate answers valid/invalid.
//
// The policy (who may have which token, for how long, signed with which key) is TokenCore's;
// this class is the WS-Trust adapter: it parses the RST, checks the WS-Security Timestamp and
// request signature, and renders the RSTR.
//
// A signed request is accepted once (docs/wstrust.md, "Timestamps and replay"): its Timestamp
// must lie within the server's bounds (WsSecurityOptions, wstrust::check_timestamp), and once
// the signer is authenticated the request's SignedInfo digest goes into the replica's
// wstrust::ReplayCache; a digest already there is refused as wsse:InvalidSecurity. Each entry
// counts against its signer, the UPN of whoever proved to hold the signing key: the solution
// user of a registered certificate, the password user of govmomi's signed request (whose
// certificate is self-made, so it names nobody), the holder of a holder-of-key token (its
// last delegate, else its subject) for token by token and Renew. A signer at its quota, or a
// full cache, is refused as wst:RequestFailed (kUnavailable, warn log
// wstrust.replay_cache_full naming the signer). Only authenticated signers reach the cache,
// so nobody without a registered certificate, a password or a valid holder-of-key token can
// fill it, and one of them alone cannot fill it for the others. Refusals are counted in
// sigil_wss_requests_refused_total{tenant,reason} (reason replayed | replay_signer_quota |
// replay_cache_full | inverted | window_too_long | future | expired | stale).
//
// handle() returns the SOAP response body, or the Error to answer with as a fault. kNotFound
// means an unknown tenant (HTTP 404, no fault).
//
// Thread-safety: thread-safe; handle() is synchronous and slow (database, scrypt, RSA): run it on
// the blocking pool.

#include <string>
#include <string_view>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "sigil/base/log.hpp"
#include "sigil/metrics/registry.hpp"
#include "sts/handlers/token_core.hpp"
#include "sts/wstrust/replay_cache.hpp"
#include "sts/wstrust/request.hpp"
#include "sts/wstrust/security.hpp"

namespace sigil::sts::handlers {

/// The server's bounds on WS-Security request Timestamps (sts --wss-timestamp-*).
struct WsSecurityOptions {
  std::chrono::seconds timestamp_max_window{300};  // Expires - Created
  std::chrono::seconds timestamp_max_age{300};     // now - Created, plus the clock tolerance
};

class TokenService {
 public:
  /// `replay`, `log` and `metrics` must outlive the service.
  TokenService(TokenCore& core, wstrust::ReplayCache& replay, const log::Logger& log,
               metrics::Registry& metrics, WsSecurityOptions options);

  /// `source` names the client for password throttling and lockout (identity::client_source of
  /// its address).
  Result<std::string> handle(std::string_view tenant, std::string_view body,
                             std::string_view soap_action, X509* tls_client_certificate,
                             std::string_view source);

  std::string issuer_for(std::string_view tenant) const { return core_.issuer_for(tenant); }

 private:
  struct Context;
  Result<std::string> issue(Context& ctx, X509* tls_client_certificate);
  Result<std::string> renew(Context& ctx);
  Result<std::string> validate(Context& ctx);
  Result<Authenticated> authenticate(Context& ctx, X509* tls_client_certificate);
  Result<Authenticated> authenticate_by_token(Context& ctx, xmlNode* assertion);
  wstrust::TimestampPolicy timestamp_policy(const Context& ctx) const;
  /// wstrust::check_timestamp with this server's bounds, refusals counted.
  Result<void> check_timestamp(const Context& ctx, bool required);
  /// Records the verified request signature made by the authenticated `signer` (a UPN);
  /// refuses a replay, and a signer or cache without room.
  Result<void> remember_signature(const Context& ctx, std::string_view signer);
  void count_refusal(const Context& ctx, std::string_view reason);

  TokenCore& core_;
  wstrust::ReplayCache& replay_;
  const log::Logger& log_;
  metrics::CounterFamily& refused_;
  WsSecurityOptions options_;
};

}  // namespace sigil::sts::handlers
