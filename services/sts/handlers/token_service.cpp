#include "sts/handlers/token_service.hpp"

#include "sigil/crypto/x509.hpp"
#include "sts/identity/principal.hpp"
#include "sts/wstrust/response.hpp"
#include "sts/wstrust/security.hpp"

namespace sigil::sts::handlers {

// Everything one request needs, loaded once.
struct TokenService::Context {
  wstrust::Request request;
  TokenContext core;
};

namespace {

std::optional<RequestedLifetime> requested_lifetime(const wstrust::Request& req) {
  if (!req.lifetime) return std::nullopt;
  RequestedLifetime l;
  l.created = req.lifetime->created;
  l.expires = req.lifetime->expires;
  return l;
}

// "reason=stale" -> "stale"; the label of a refusal without one.
std::string_view reason_of(const Error& e) {
  constexpr std::string_view kPrefix = "reason=";
  std::string_view d = e.detail;
  if (d.substr(0, kPrefix.size()) != kPrefix) return "other";
  return d.substr(kPrefix.size());
}

// Who signed the request, for the replay cache's quota: the holder of a holder-of-key token
// presented as the credential (its last delegate, else its subject), else the authenticated
// principal.
std::string_view signer_of(const saml::AssertionSpec& token) {
  return token.confirmation_upn ? std::string_view(*token.confirmation_upn)
                                : std::string_view(token.subject_upn);
}

std::string_view signer_of(const Authenticated& auth) {
  return auth.source_token ? signer_of(*auth.source_token) : std::string_view(auth.subject.upn);
}

}  // namespace

TokenService::TokenService(TokenCore& core, wstrust::ReplayCache& replay, const log::Logger& log,
                           metrics::Registry& metrics, WsSecurityOptions options)
    : core_(core),
      replay_(replay),
      log_(log),
      refused_(metrics.counter("sigil_wss_requests_refused_total",
                               "WS-Trust requests refused for their WS-Security Timestamp or as "
                               "a replay of a signed request already accepted.",
                               {"tenant", "reason"})),
      options_(options) {}

Result<std::string> TokenService::handle(std::string_view tenant, std::string_view body,
                                         std::string_view soap_action, X509* tls_client_cert,
                                         std::string_view source) {
  SIGIL_TRY(TokenContext core, core_.begin(tenant, "wstrust"));
  core.source = std::string(source);
  SIGIL_TRY(wstrust::Request request, wstrust::parse_request(body, soap_action, {}));
  Context ctx{std::move(request), std::move(core)};
  switch (ctx.request.kind) {
    case wstrust::RequestKind::kIssue: return issue(ctx, tls_client_cert);
    case wstrust::RequestKind::kRenew: return renew(ctx);
    case wstrust::RequestKind::kValidate: return validate(ctx);
  }
  return fail(Errc::kUnsupported, "unsupported request");
}

Result<Authenticated> TokenService::authenticate_by_token(Context& ctx, xmlNode* assertion) {
  SIGIL_TRY(saml::ValidatedAssertion token,
            core_.validate_token(ctx.core, ctx.request.doc.get(), assertion));
  if (token.claims.confirmation != saml::Confirmation::kHolderOfKey) {
    return fail(Errc::kSignatureInvalid, "a bearer token cannot prove possession of a key");
  }
  SIGIL_TRY_VOID(wstrust::verify_request_signature(
      ctx.request, X509_get0_pubkey(token.hok_certificate.get())));
  return core_.authenticate_token(ctx.core, std::move(token));
}

Result<Authenticated> TokenService::authenticate(Context& ctx, X509* tls_cert) {
  const wstrust::Request& req = ctx.request;
  if (req.signature) {
    SIGIL_TRY(wstrust::SignerReference signer, wstrust::signer_reference(req));
    if (signer.kind == wstrust::SignerKind::kSamlAssertion) {
      return authenticate_by_token(ctx, signer.assertion);
    }
    SIGIL_TRY_VOID(wstrust::verify_request_signature(req, X509_get0_pubkey(signer.certificate)));
    if (req.username_token) {
      // govmomi's holder-of-key token for an interactive user: the password names the subject,
      // the signing certificate is the proof key.
      SIGIL_TRY(Authenticated a,
                core_.authenticate_password(ctx.core, req.username_token->username,
                                            req.username_token->password.view()));
      a.proof_certificate = crypto::share(signer.certificate);
      a.signed_by_certificate = true;
      return a;
    }
    return core_.authenticate_certificate(ctx.core, signer.certificate,
                                          saml::AuthnMethod::kXmlDsig);
  }
  if (req.username_token) {
    return core_.authenticate_password(ctx.core, req.username_token->username,
                                       req.username_token->password.view());
  }
  if (tls_cert) {
    return core_.authenticate_certificate(ctx.core, tls_cert, saml::AuthnMethod::kTlsClient);
  }
  return fail(Errc::kAuthFailed, std::string(identity::kAuthFailedMessage), "no credential");
}

Result<std::string> TokenService::issue(Context& ctx, X509* tls_cert) {
  const wstrust::Request& req = ctx.request;
  SIGIL_TRY_VOID(check_timestamp(ctx, req.signature.has_value()));
  IssueInput in;
  SIGIL_TRY(in.auth, authenticate(ctx, tls_cert));
  if (req.signature) SIGIL_TRY_VOID(remember_signature(ctx, signer_of(in.auth)));
  in.holder_of_key = req.key_type == wstrust::KeyType::kPublicKey;
  in.delegatable = req.delegatable.value_or(false);
  in.renewable = req.renewing && req.renewing->allow;
  in.lifetime = requested_lifetime(req);
  if (!req.audience.empty()) in.audience = req.audience.front();
  if (req.act_as) {
    // The core refuses ActAs from anyone but a solution user of ActAsUsers that signed the
    // request; check that before spending a signature verification on the delegated token.
    SIGIL_TRY_VOID(TokenCore::check_may_act_as(ctx.core, in.auth));
    SIGIL_TRY(in.act_as, core_.validate_token(ctx.core, req.doc.get(), req.act_as));
  }
  SIGIL_TRY(IssuedToken t, core_.issue(ctx.core, std::move(in)));
  return wstrust::issue_response({t.assertion, t.not_before, t.not_on_or_after, t.renewable,
                                  t.delegatable, t.holder_of_key, t.signature_algorithm});
}

Result<std::string> TokenService::renew(Context& ctx) {
  const wstrust::Request& req = ctx.request;
  SIGIL_TRY_VOID(check_timestamp(ctx, true));
  if (!req.renew_target) return fail(Errc::kMalformedRequest, "Renew needs a RenewTarget");
  if (!req.signature) {
    return fail(Errc::kSignatureInvalid, "Renew must be signed with the token's key");
  }
  SIGIL_TRY(wstrust::SignerReference signer, wstrust::signer_reference(req));
  if (signer.kind != wstrust::SignerKind::kBinarySecurityToken) {
    return fail(Errc::kSignatureInvalid, "Renew must be signed by the token's certificate");
  }
  SIGIL_TRY_VOID(wstrust::verify_request_signature(req, X509_get0_pubkey(signer.certificate)));
  RenewInput in;
  SIGIL_TRY(in.token, core_.validate_token(ctx.core, req.doc.get(), req.renew_target));
  in.proof_certificate = signer.certificate;
  // Only the token's holder may put a request into the replay cache (TokenCore::renew checks
  // this too, but the cache entry must be made before the new token is signed).
  if (in.token.hok_certificate == nullptr ||
      X509_cmp(in.token.hok_certificate.get(), signer.certificate) != 0) {
    return fail(Errc::kUnableToRenew, "Renew must be signed with the token's own key");
  }
  SIGIL_TRY_VOID(remember_signature(ctx, signer_of(in.token.claims)));
  in.lifetime = requested_lifetime(req);
  SIGIL_TRY(IssuedToken t, core_.renew(ctx.core, std::move(in)));
  return wstrust::renew_response({t.assertion, t.not_before, t.not_on_or_after, t.renewable,
                                  t.delegatable, true, t.signature_algorithm});
}

Result<std::string> TokenService::validate(Context& ctx) {
  const wstrust::Request& req = ctx.request;
  if (!req.validate_target) return fail(Errc::kMalformedRequest, "Validate needs a ValidateTarget");
  SIGIL_TRY_VOID(check_timestamp(ctx, false));
  SIGIL_TRY(ValidateOutcome outcome, core_.validate(ctx.core, req.doc.get(), req.validate_target));
  return wstrust::validate_response(outcome.token.has_value(),
                                    outcome.token ? "" : outcome.reason.message);
}

wstrust::TimestampPolicy TokenService::timestamp_policy(const Context& ctx) const {
  wstrust::TimestampPolicy p;
  p.clock_tolerance = ctx.core.policy.clock_tolerance;
  p.max_window = options_.timestamp_max_window;
  p.max_age = options_.timestamp_max_age;
  return p;
}

void TokenService::count_refusal(const Context& ctx, std::string_view reason) {
  refused_.with({{"tenant", ctx.core.policy.name}, {"reason", reason}}).inc();
}

Result<void> TokenService::check_timestamp(const Context& ctx, bool required) {
  auto checked =
      wstrust::check_timestamp(ctx.request, ctx.core.now, timestamp_policy(ctx), required);
  if (!checked && checked.error().code == Errc::kMessageExpired) {
    count_refusal(ctx, reason_of(checked.error()));
  }
  return checked;
}

Result<void> TokenService::remember_signature(const Context& ctx, std::string_view signer) {
  const wstrust::Request& req = ctx.request;
  if (!req.timestamp) return fail(Errc::kSignatureInvalid, "a signed request needs a Timestamp");
  SIGIL_TRY(wstrust::ReplayKey key, wstrust::replay_key(req));
  const TimePoint until = wstrust::timestamp_acceptable_until(*req.timestamp, timestamp_policy(ctx));
  std::string_view reason = "replay_cache_full";
  switch (replay_.remember(key, signer, until, ctx.core.now)) {
    case wstrust::ReplayVerdict::kFresh:
      return {};
    case wstrust::ReplayVerdict::kReplayed:
      count_refusal(ctx, "replayed");
      return fail(Errc::kSignatureInvalid,
                  "this signed request was already accepted; sign every request afresh",
                  "reason=replayed");
    case wstrust::ReplayVerdict::kSignerFull:
      reason = "replay_signer_quota";
      break;
    case wstrust::ReplayVerdict::kFull:
      break;
  }
  count_refusal(ctx, reason);
  log_.warn("wstrust.replay_cache_full", {{"tenant", ctx.core.policy.name},
                                          {"signer", signer},
                                          {"reason", reason},
                                          {"signer_entries", replay_.entries_of(signer)},
                                          {"max_per_signer", replay_.max_per_signer()},
                                          {"entries", replay_.max_entries()}});
  return fail(Errc::kUnavailable, "too many signed requests at once; try again shortly",
              "reason=" + std::string(reason));
}

}  // namespace sigil::sts::handlers
