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

}  // namespace

Result<std::string> TokenService::handle(std::string_view tenant, std::string_view body,
                                         std::string_view soap_action, X509* tls_client_cert) {
  SIGIL_TRY(TokenContext core, core_.begin(tenant, "wstrust"));
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
  SIGIL_TRY_VOID(wstrust::check_timestamp(req, ctx.core.now, ctx.core.policy.clock_tolerance,
                                          req.signature.has_value()));
  IssueInput in;
  SIGIL_TRY(in.auth, authenticate(ctx, tls_cert));
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
  SIGIL_TRY_VOID(
      wstrust::check_timestamp(req, ctx.core.now, ctx.core.policy.clock_tolerance, true));
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
  in.lifetime = requested_lifetime(req);
  SIGIL_TRY(IssuedToken t, core_.renew(ctx.core, std::move(in)));
  return wstrust::renew_response({t.assertion, t.not_before, t.not_on_or_after, t.renewable,
                                  t.delegatable, true, t.signature_algorithm});
}

Result<std::string> TokenService::validate(Context& ctx) {
  const wstrust::Request& req = ctx.request;
  if (!req.validate_target) return fail(Errc::kMalformedRequest, "Validate needs a ValidateTarget");
  SIGIL_TRY_VOID(
      wstrust::check_timestamp(req, ctx.core.now, ctx.core.policy.clock_tolerance, false));
  SIGIL_TRY(ValidateOutcome outcome, core_.validate(ctx.core, req.doc.get(), req.validate_target));
  return wstrust::validate_response(outcome.token.has_value(),
                                    outcome.token ? "" : outcome.reason.message);
}

}  // namespace sigil::sts::handlers
