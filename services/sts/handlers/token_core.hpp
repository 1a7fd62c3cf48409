#pragma once
// The protocol-neutral token core: every policy decision of Issue, Renew and Validate, shared by
// the WS-Trust endpoint (token_service.*) and the JSON REST API (sts/rest/). The adapters parse
// their protocol, prove what only they can prove (a WS-Security signature, a TLS client
// certificate), and hand the core plain structs; the core authenticates against the identity
// source, validates tokens against the tenant's key set, clips lifetimes to the tenant policy,
// counts renewals and delegations, signs with the active key, and counts and logs the outcome.
// Both protocols therefore issue the very same SAML assertion under the very same rules.
//
// Tokens derived from tokens (token by token, ActAs, Renew) follow token_policy.hpp's derivation
// rules: never past the source's chain cap, the delegation chain kept, counts only going down
// (docs/delegation.md).
//
// Request flow: begin(tenant) loads the tenant policy and its key set snapshot once (kNotFound
// for an unknown tenant); the other calls take that TokenContext.
//
// Keys: a verify-only key whose verify_until has passed is not trusted, even if the snapshot
// still holds it (a snapshot may be hours old; filtered at request time).
//
// Metrics: sigil_tokens_issued_total{tenant,kind} (kind bearer | holder-of-key | actas |
// renewed), sigil_token_validations_total{tenant,result} (valid | invalid). Logs: token.issued,
// token.renewed, token.validated.
//
// Thread-safety: thread-safe; every call but issuer_for() is synchronous and slow (database,
// scrypt, RSA): run it on the blocking pool.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/saml/validator.hpp"
#include "sts/handlers/key_cache.hpp"
#include "sts/handlers/token_policy.hpp"
#include "sts/identity/identity_source.hpp"

namespace sigil::sts::handlers {

/// Everything one request works against, loaded once by TokenCore::begin().
struct TokenContext {
  identity::TenantPolicy policy;
  std::shared_ptr<const keys::TenantKeys> keys;
  TimePoint now;
  std::string issuer;
  std::string_view protocol;  // "wstrust" or "rest", for the logs
  /// The client source (identity::client_source), set by the adapter after begin(): password
  /// attempts are throttled and locked out per source. "" = unknown.
  std::string source;
};

/// Who the requester proved to be.
struct Authenticated {
  identity::Principal subject;
  saml::AuthnMethod method = saml::AuthnMethod::kPassword;
  TimePoint authn_instant;
  /// A certificate whose key the requester proved to hold (signed request, TLS handshake, a
  /// holder-of-key token's key); the confirmation key of a holder-of-key token. Null: none.
  crypto::X509Ptr proof_certificate;
  /// The request was signed by a certificate (WS-Security BinarySecurityToken): ActAs needs it.
  bool signed_by_certificate = false;
  /// Token by token: the claims of the token the requester presented; the new token is derived
  /// from it (token_policy.hpp, derive_by_token).
  std::optional<saml::AssertionSpec> source_token;
};

struct IssueInput {
  Authenticated auth;
  bool holder_of_key = false;
  bool delegatable = false;  // proxy count = the tenant's maximum delegations, else 0
  bool renewable = false;    // renew count = the tenant's maximum renewals, else 0
  std::optional<RequestedLifetime> lifetime;
  std::optional<std::string> audience;
  /// ActAs: the delegated token, already validated with TokenCore::validate_token().
  std::optional<saml::ValidatedAssertion> act_as;
};

struct RenewInput {
  saml::ValidatedAssertion token;  // validated with TokenCore::validate_token()
  /// The certificate whose key the requester proved to hold (request signature or TLS
  /// handshake); must be the token's confirmation certificate. Borrowed; may be null.
  X509* proof_certificate = nullptr;
  std::optional<RequestedLifetime> lifetime;
};

/// A freshly signed token.
struct IssuedToken {
  std::string assertion;  // signed wire form (XML, one line)
  TimePoint not_before;
  TimePoint not_on_or_after;
  std::string key_id;  // the signing key
  std::string token_id;
  std::string subject;
  bool holder_of_key = false;
  bool renewable = false;
  bool delegatable = false;
  std::string_view signature_algorithm;  // URI
};

/// The answer to Validate: the claims when valid, else why not.
struct ValidateOutcome {
  std::optional<saml::ValidatedAssertion> token;
  Error reason;  // meaningful when !token
};

struct TokenCoreOptions {
  // Tokens name their issuer `<issuer_base>/websso/SAML2/Metadata/<tenant>`, as vCenter does.
  std::string issuer_base = "https://localhost";
};

class TokenCore {
 public:
  TokenCore(identity::IdentitySource& identity, KeyCache& keys, const Clock& clock,
            const log::Logger& log, metrics::Registry& metrics, TokenCoreOptions options);

  /// The Issuer (and SAML entityID) of the tenant's tokens.
  std::string issuer_for(std::string_view tenant) const;
  /// "https://<hostname>": the base of the issuer and of the URLs in SAML metadata.
  const std::string& issuer_base() const { return options_.issuer_base; }

  /// Loads the tenant policy and its key set. kNotFound for an unknown tenant. `protocol` is a
  /// string literal naming the adapter ("wstrust", "rest").
  Result<TokenContext> begin(std::string_view tenant, std::string_view protocol);

  /// The tenant's verifying keys that may still verify at ctx.now (verify_until not passed),
  /// active first.
  static std::vector<const keys::TenantKeys::Key*> live_keys(const keys::TenantKeys& keys,
                                                             TimePoint now);

  Result<Authenticated> authenticate_password(const TokenContext& ctx, std::string_view username,
                                              std::string_view password);
  /// A solution user by the certificate whose key the requester proved to hold; it becomes the
  /// proof certificate. `method`: kXmlDsig (signed request) or kTlsClient.
  Result<Authenticated> authenticate_certificate(const TokenContext& ctx, X509* certificate,
                                                 saml::AuthnMethod method);
  /// Token by token: `token` is a holder-of-key token whose key the requester proved to hold.
  /// Its subject is re-read as the kind of principal the token names (Subject Type), and a
  /// delegated token's holder must still be allowed to ActAs.
  Result<Authenticated> authenticate_token(const TokenContext& ctx,
                                           saml::ValidatedAssertion&& token);

  /// ActAs is for solution users that signed the request with their certificate and are members
  /// of the tenant's ActAsUsers group; kPermissionDenied for anyone else.
  static Result<void> check_may_act_as(const TokenContext& ctx, const Authenticated& auth);

  /// Verifies a token of this tenant with its live keys, at ctx.now with the tenant's clock
  /// tolerance and issuer (see saml::validate_assertion for the error codes). The
  /// holder-of-key certificate is parsed unless `need_hok_certificate` is false.
  Result<saml::ValidatedAssertion> validate_token(const TokenContext& ctx, xmlDoc* doc,
                                                  xmlNode* assertion,
                                                  bool need_hok_certificate = true) const;

  Result<IssuedToken> issue(const TokenContext& ctx, IssueInput&& in);
  Result<IssuedToken> renew(const TokenContext& ctx, RenewInput&& in);
  /// valid/invalid, counted and logged; fails only when the answer cannot be known
  /// (kUnavailable, kInternal).
  Result<ValidateOutcome> validate(const TokenContext& ctx, xmlDoc* doc, xmlNode* assertion);
  /// Counts and logs a validation that failed before there was a token to verify (e.g. bytes
  /// that do not parse as an assertion), and returns it as the invalid outcome.
  ValidateOutcome invalid(const TokenContext& ctx, Error reason);

 private:
  Result<IssuedToken> sign(const TokenContext& ctx, saml::AssertionSpec& spec);
  /// The current state of a token's subject, as the kind of principal the token says it is.
  Result<identity::Principal> reread_subject(const TokenContext& ctx,
                                             const saml::AssertionSpec& claims);
  /// A delegated token's holder (the last delegate) must still be an enabled member of
  /// ActAsUsers to renew or exchange it. No-op for tokens that are not delegated.
  Result<void> check_holder_may_still_act(const TokenContext& ctx,
                                          const saml::AssertionSpec& claims);
  /// ActAs or token by token: fills `spec` and `auth` from the source token; the cap on the
  /// new token's NotOnOrAfter (none for a first-hand token).
  Result<std::optional<TimePoint>> derive(const TokenContext& ctx, IssueInput& in,
                                          saml::AssertionSpec& spec, identity::Principal& subject);

  identity::IdentitySource& identity_;
  KeyCache& keys_;
  const Clock& clock_;
  const log::Logger& log_;
  metrics::CounterFamily& issued_;
  metrics::CounterFamily& validations_;
  TokenCoreOptions options_;
};

}  // namespace sigil::sts::handlers
