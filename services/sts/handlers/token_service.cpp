#include "sts/handlers/token_service.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/random.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/validator.hpp"
#include "sigil/saml/writer.hpp"
#include "sts/handlers/token_policy.hpp"
#include "sts/identity/principal.hpp"
#include "sts/wstrust/response.hpp"
#include "sts/wstrust/security.hpp"

namespace sigil::sts::handlers {

// Everything one request needs, loaded once.
struct TokenService::Context {
  wstrust::Request request;
  identity::TenantPolicy policy;
  std::shared_ptr<const keys::TenantKeys> keys;
  TimePoint now;
  std::string issuer;
};

struct TokenService::Authenticated {
  identity::Principal subject;
  saml::AuthnMethod method = saml::AuthnMethod::kPassword;
  TimePoint authn_instant;
  crypto::X509Ptr proof_certificate;  // holder-of-key confirmation; null: bearer only
  bool signed_by_certificate = false;  // a WS-Security signature by a BST certificate
};

namespace {

std::string cert_b64(X509* cert) {
  auto der = crypto::write_certificate_der(cert);
  return der ? crypto::base64_encode(*der) : std::string();
}

std::string_view signature_uri(const keys::TenantKeys& keys) {
  return keys.active().algorithm == "ecdsa-sha256" ? saml::uri::kEcdsaSha256
                                                    : saml::uri::kRsaSha256;
}

}  // namespace

TokenService::TokenService(identity::IdentitySource& identity, KeyCache& keys, const Clock& clock,
                           const log::Logger& log, metrics::Registry& metrics,
                           TokenServiceOptions options)
    : identity_(identity),
      keys_(keys),
      clock_(clock),
      log_(log),
      issued_(metrics.counter("sigil_tokens_issued_total", "Tokens issued, by tenant and kind",
                              {"tenant", "kind"})),
      validations_(metrics.counter("sigil_token_validations_total",
                                   "Token validations, by tenant and result",
                                   {"tenant", "result"})),
      options_(std::move(options)) {}

std::string TokenService::issuer_for(std::string_view tenant) const {
  return options_.issuer_base + "/websso/SAML2/Metadata/" + std::string(tenant);
}

Result<std::string> TokenService::handle(std::string_view tenant, std::string_view body,
                                         std::string_view soap_action, X509* tls_client_cert) {
  SIGIL_TRY(identity::TenantPolicy policy, identity_.load_tenant(tenant));
  SIGIL_TRY(wstrust::Request request, wstrust::parse_request(body, soap_action, {}));
  SIGIL_TRY(auto keys, keys_.get(policy.name, policy.keyset_generation));
  Context ctx{std::move(request), std::move(policy), std::move(keys), clock_.now(), {}};
  ctx.issuer = issuer_for(ctx.policy.name);
  switch (ctx.request.kind) {
    case wstrust::RequestKind::kIssue: return issue(ctx, tls_client_cert);
    case wstrust::RequestKind::kRenew: return renew(ctx);
    case wstrust::RequestKind::kValidate: return validate(ctx);
  }
  return fail(Errc::kUnsupported, "unsupported request");
}

Result<saml::ValidatedAssertion> TokenService::validate_token(const Context& ctx,
                                                              xmlNode* assertion) const {
  std::vector<saml::TrustedSigningKey> trusted;
  for (const auto& key : ctx.keys->verifying) trusted.push_back({key.key_id, key.cert.get()});
  saml::ValidationPolicy policy;
  policy.clock_tolerance = ctx.policy.clock_tolerance;
  policy.expected_issuer = ctx.issuer;
  ManualClock at(ctx.now);
  return saml::validate_assertion(ctx.request.doc.get(), assertion, trusted, policy, at);
}

Result<TokenService::Authenticated> TokenService::authenticate_by_token(Context& ctx,
                                                                       xmlNode* assertion) {
  SIGIL_TRY(saml::ValidatedAssertion token, validate_token(ctx, assertion));
  if (token.claims.confirmation != saml::Confirmation::kHolderOfKey) {
    return fail(Errc::kSignatureInvalid, "a bearer token cannot prove possession of a key");
  }
  SIGIL_TRY_VOID(wstrust::verify_request_signature(
      ctx.request, X509_get0_pubkey(token.hok_certificate.get())));
  Authenticated a;
  SIGIL_TRY(a.subject, identity_.lookup_subject(ctx.policy.name, token.claims.subject_upn));
  a.method = saml::AuthnMethod::kPreviousSession;
  a.authn_instant = token.claims.authn_instant;
  a.proof_certificate = std::move(token.hok_certificate);
  return a;
}

Result<TokenService::Authenticated> TokenService::authenticate(Context& ctx, X509* tls_cert) {
  const wstrust::Request& req = ctx.request;
  Authenticated a;
  a.authn_instant = ctx.now;
  if (req.signature) {
    SIGIL_TRY(wstrust::SignerReference signer, wstrust::signer_reference(req));
    if (signer.kind == wstrust::SignerKind::kSamlAssertion) {
      return authenticate_by_token(ctx, signer.assertion);
    }
    SIGIL_TRY_VOID(wstrust::verify_request_signature(req, X509_get0_pubkey(signer.certificate)));
    a.proof_certificate = crypto::share(signer.certificate);
    a.signed_by_certificate = true;
    if (req.username_token) {
      SIGIL_TRY(a.subject, identity_.authenticate_password(ctx.policy.name,
                                                           req.username_token->username,
                                                           req.username_token->password.view()));
      return a;
    }
    SIGIL_TRY(a.subject, identity_.authenticate_certificate(ctx.policy.name, signer.certificate));
    a.method = saml::AuthnMethod::kXmlDsig;
    return a;
  }
  if (req.username_token) {
    SIGIL_TRY(a.subject, identity_.authenticate_password(ctx.policy.name,
                                                         req.username_token->username,
                                                         req.username_token->password.view()));
    return a;
  }
  if (tls_cert) {
    SIGIL_TRY(a.subject, identity_.authenticate_certificate(ctx.policy.name, tls_cert));
    a.method = saml::AuthnMethod::kTlsClient;
    a.proof_certificate = crypto::share(tls_cert);
    return a;
  }
  return fail(Errc::kAuthFailed, std::string(identity::kAuthFailedMessage), "no credential");
}

namespace {

// The parts of a new assertion every flow fills the same way.
void stamp(saml::AssertionSpec& spec, const Validity& v, std::string issuer,
           const identity::Principal& subject) {
  spec.id = crypto::random_id();
  spec.issue_instant = v.not_before;
  spec.not_before = v.not_before;
  spec.not_on_or_after = v.not_on_or_after;
  spec.issuer = std::move(issuer);
  spec.subject_upn = subject.upn;
  spec.attributes = identity::token_attributes(subject);
}

}  // namespace

Result<std::string> TokenService::issue(Context& ctx, X509* tls_cert) {
  const wstrust::Request& req = ctx.request;
  SIGIL_TRY_VOID(wstrust::check_timestamp(req, ctx.now, ctx.policy.clock_tolerance,
                                          req.signature.has_value()));
  SIGIL_TRY(Authenticated auth, authenticate(ctx, tls_cert));
  const bool hok = req.key_type == wstrust::KeyType::kPublicKey;
  if (hok && !auth.proof_certificate) {
    return fail(Errc::kMalformedRequest,
                "a holder-of-key token needs a signed request or a TLS client certificate");
  }
  saml::AssertionSpec spec;
  identity::Principal subject = auth.subject;
  int proxy = req.delegatable.value_or(false) ? ctx.policy.max_delegation_count : 0;
  std::optional<TimePoint> cap;
  if (req.act_as) {
    if (!auth.signed_by_certificate || !auth.subject.is_solution_user) {
      return fail(Errc::kPermissionDenied, "ActAs needs a request signed by a solution user");
    }
    SIGIL_TRY(saml::ValidatedAssertion act_as, validate_token(ctx, req.act_as));
    if (act_as.claims.proxy_count <= 0) {
      return fail(Errc::kPermissionDenied, "the ActAs token may not be delegated");
    }
    SIGIL_TRY(subject, identity_.lookup_subject(ctx.policy.name, act_as.claims.subject_upn));
    spec.delegates = act_as.claims.delegates;
    spec.delegates.push_back({auth.subject.upn, std::chrono::floor<std::chrono::milliseconds>(ctx.now)});
    spec.confirmation_upn = auth.subject.upn;
    proxy = act_as.claims.proxy_count - 1;
    cap = act_as.claims.not_on_or_after;
    auth.method = act_as.claims.authn_method;
    auth.authn_instant = act_as.claims.authn_instant;
  }
  auto max = hok ? ctx.policy.max_hok_lifetime : ctx.policy.max_bearer_lifetime;
  SIGIL_TRY(Validity v, grant_validity(req.lifetime, ctx.now, max, cap));
  stamp(spec, v, ctx.issuer, subject);
  spec.confirmation = hok ? saml::Confirmation::kHolderOfKey : saml::Confirmation::kBearer;
  if (hok) spec.hok_certificate_b64 = cert_b64(auth.proof_certificate.get());
  spec.proxy_count = proxy;
  spec.renew_count = req.renewing && req.renewing->allow ? ctx.policy.max_renew_count : 0;
  if (!req.audience.empty()) spec.audience = req.audience.front();
  spec.authn_instant = std::chrono::floor<std::chrono::milliseconds>(auth.authn_instant);
  spec.authn_method = auth.method;
  SIGIL_TRY(std::string wire, saml::write_signed_assertion(
                                  spec, {ctx.keys->active_private_key.get(),
                                         ctx.keys->active().chain_der_b64}));
  std::string kind = req.act_as ? "actas" : (hok ? "holder-of-key" : "bearer");
  issued_.with({{"tenant", ctx.policy.name}, {"kind", kind}}).inc();
  log_.info("token.issued", {{"tenant", ctx.policy.name}, {"subject", spec.subject_upn},
                             {"kind", kind}, {"key_id", ctx.keys->active().key_id},
                             {"token_id", spec.id},
                             {"lifetime_s", std::chrono::duration_cast<std::chrono::seconds>(
                                                v.not_on_or_after - v.not_before).count()}});
  return wstrust::issue_response({wire, v.not_before, v.not_on_or_after, spec.renew_count > 0,
                                  proxy > 0, hok, signature_uri(*ctx.keys)});
}

Result<std::string> TokenService::renew(Context& ctx) {
  const wstrust::Request& req = ctx.request;
  SIGIL_TRY_VOID(wstrust::check_timestamp(req, ctx.now, ctx.policy.clock_tolerance, true));
  if (!req.renew_target) return fail(Errc::kMalformedRequest, "Renew needs a RenewTarget");
  if (!req.signature) {
    return fail(Errc::kSignatureInvalid, "Renew must be signed with the token's key");
  }
  SIGIL_TRY(wstrust::SignerReference signer, wstrust::signer_reference(req));
  if (signer.kind != wstrust::SignerKind::kBinarySecurityToken) {
    return fail(Errc::kSignatureInvalid, "Renew must be signed by the token's certificate");
  }
  SIGIL_TRY_VOID(wstrust::verify_request_signature(req, X509_get0_pubkey(signer.certificate)));
  SIGIL_TRY(saml::ValidatedAssertion token, validate_token(ctx, req.renew_target));
  if (token.claims.confirmation != saml::Confirmation::kHolderOfKey) {
    return fail(Errc::kUnableToRenew, "only holder-of-key tokens can be renewed");
  }
  if (X509_cmp(signer.certificate, token.hok_certificate.get()) != 0) {
    return fail(Errc::kUnableToRenew, "the request is not signed by the token's key");
  }
  if (token.claims.renew_count <= 0) {
    return fail(Errc::kUnableToRenew, "the token may not be renewed any more");
  }
  SIGIL_TRY(identity::Principal subject,
            identity_.lookup_subject(ctx.policy.name, token.claims.subject_upn));
  SIGIL_TRY(Validity v, grant_validity(req.lifetime, ctx.now, ctx.policy.max_hok_lifetime));
  saml::AssertionSpec spec = std::move(token.claims);
  stamp(spec, v, ctx.issuer, subject);
  spec.renew_count -= 1;
  SIGIL_TRY(std::string wire, saml::write_signed_assertion(
                                  spec, {ctx.keys->active_private_key.get(),
                                         ctx.keys->active().chain_der_b64}));
  issued_.with({{"tenant", ctx.policy.name}, {"kind", "renewed"}}).inc();
  log_.info("token.renewed", {{"tenant", ctx.policy.name}, {"subject", spec.subject_upn},
                              {"key_id", ctx.keys->active().key_id}, {"token_id", spec.id},
                              {"renewals_left", spec.renew_count}});
  return wstrust::renew_response({wire, v.not_before, v.not_on_or_after, spec.renew_count > 0,
                                  spec.proxy_count > 0, true, signature_uri(*ctx.keys)});
}

Result<std::string> TokenService::validate(Context& ctx) {
  const wstrust::Request& req = ctx.request;
  if (!req.validate_target) return fail(Errc::kMalformedRequest, "Validate needs a ValidateTarget");
  SIGIL_TRY_VOID(wstrust::check_timestamp(req, ctx.now, ctx.policy.clock_tolerance, false));
  auto token = validate_token(ctx, req.validate_target);
  if (!token && (token.error().code == Errc::kUnavailable || token.error().code == Errc::kInternal)) {
    return unexpected(std::move(token).error());
  }
  const char* result = token ? "valid" : "invalid";
  validations_.with({{"tenant", ctx.policy.name}, {"result", result}}).inc();
  std::string reason = token ? std::string() : token.error().message;
  log_.info("token.validated", {{"tenant", ctx.policy.name}, {"result", result}, {"reason", reason}});
  return wstrust::validate_response(token.has_value(), token ? "" : token.error().message);
}

}  // namespace sigil::sts::handlers
