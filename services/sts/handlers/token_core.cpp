#include "sts/handlers/token_core.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/random.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/issuer.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/writer.hpp"
#include "sts/identity/principal.hpp"

namespace sigil::sts::handlers {
namespace {

using std::chrono::milliseconds;

std::string cert_b64(X509* cert) {
  auto der = crypto::write_certificate_der(cert);
  return der ? crypto::base64_encode(*der) : std::string();
}

std::string_view signature_uri(const keys::TenantKeys& keys) {
  return keys.active().algorithm == "ecdsa-sha256" ? saml::uri::kEcdsaSha256
                                                    : saml::uri::kRsaSha256;
}

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

DerivationRequest derivation_request(const TokenContext& ctx, const IssueInput& in) {
  DerivationRequest r;
  r.renewable = in.renewable;
  r.delegatable = in.delegatable;
  r.max_renew_count = ctx.policy.max_renew_count;
  r.max_delegation_count = ctx.policy.max_delegation_count;
  return r;
}

std::int64_t seconds_between(TimePoint a, TimePoint b) {
  return std::chrono::duration_cast<std::chrono::seconds>(b - a).count();
}

}  // namespace

TokenCore::TokenCore(identity::IdentitySource& identity, KeyCache& keys, const Clock& clock,
                     const log::Logger& log, metrics::Registry& metrics,
                     TokenCoreOptions options)
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

std::string TokenCore::issuer_for(std::string_view tenant) const {
  return saml::tenant_issuer(options_.issuer_base, tenant);
}

Result<TokenContext> TokenCore::begin(std::string_view tenant, std::string_view protocol) {
  // The tenant's policy comes with its key set snapshot, kept current by LISTEN/NOTIFY (a
  // policy change bumps the generation like a key change), so the common case reads no row.
  // A tenant not cached yet (or named in another case) is read from PostgreSQL.
  std::shared_ptr<const keys::TenantKeys> keys = keys_.cached(tenant);
  identity::TenantPolicy policy;
  if (keys) {
    policy = identity::policy_of(keys->tenant_row);
  } else {
    SIGIL_TRY(policy, identity_.load_tenant(tenant));
    SIGIL_TRY(keys, keys_.get(policy.name, policy.keyset_generation));
  }
  TokenContext ctx;
  ctx.issuer = issuer_for(policy.name);
  ctx.policy = std::move(policy);
  ctx.keys = std::move(keys);
  ctx.now = clock_.now();
  ctx.protocol = protocol;
  return ctx;
}

std::vector<const keys::TenantKeys::Key*> TokenCore::live_keys(const keys::TenantKeys& keys,
                                                               TimePoint now) {
  std::vector<const keys::TenantKeys::Key*> out;
  for (const auto& key : keys.verifying) {
    // verify_until is the last instant the key is useful (retention rule, tolerance included).
    if (key.verify_until && *key.verify_until < now) continue;
    out.push_back(&key);
  }
  return out;
}

Result<saml::ValidatedAssertion> TokenCore::validate_token(const TokenContext& ctx, xmlDoc* doc,
                                                           xmlNode* assertion,
                                                           bool need_hok_certificate) const {
  std::vector<saml::TrustedSigningKey> trusted;
  for (const auto* key : live_keys(*ctx.keys, ctx.now)) {
    trusted.push_back({key->key_id, key->cert.get()});
  }
  saml::ValidationPolicy policy;
  policy.clock_tolerance = ctx.policy.clock_tolerance;
  policy.expected_issuer = ctx.issuer;
  policy.parse_hok_certificate = need_hok_certificate;
  ManualClock at(ctx.now);
  auto token = saml::validate_assertion(doc, assertion, trusted, policy, at);
  if (!token && token.error().code == Errc::kMalformedRequest) {
    // A presented token of the wrong shape is a bad security token (docs/reference/wstrust.md §4:
    // wsse:InvalidSecurity), not a malformed request.
    Error e = std::move(token).error();
    e.code = Errc::kSignatureInvalid;
    return unexpected(std::move(e));
  }
  return token;
}

Result<Authenticated> TokenCore::authenticate_password(const TokenContext& ctx,
                                                       std::string_view username,
                                                       std::string_view password) {
  Authenticated a;
  a.authn_instant = ctx.now;
  a.method = saml::AuthnMethod::kPassword;
  SIGIL_TRY(a.subject, identity_.authenticate_password(ctx.policy.name, username, password,
                                                          ctx.source));
  return a;
}

Result<Authenticated> TokenCore::authenticate_certificate(const TokenContext& ctx,
                                                          X509* certificate,
                                                          saml::AuthnMethod method) {
  if (certificate == nullptr) {
    return fail(Errc::kAuthFailed, std::string(identity::kAuthFailedMessage), "no certificate");
  }
  Authenticated a;
  a.authn_instant = ctx.now;
  a.method = method;
  SIGIL_TRY(a.subject, identity_.authenticate_certificate(ctx.policy.name, certificate));
  a.proof_certificate = crypto::share(certificate);
  a.signed_by_certificate = method == saml::AuthnMethod::kXmlDsig;
  return a;
}

Result<Authenticated> TokenCore::authenticate_token(const TokenContext& ctx,
                                                    saml::ValidatedAssertion&& token) {
  if (token.claims.confirmation != saml::Confirmation::kHolderOfKey) {
    return fail(Errc::kSignatureInvalid, "a bearer token cannot prove possession of a key");
  }
  Authenticated a;
  SIGIL_TRY(a.subject, reread_subject(ctx, token.claims));
  SIGIL_TRY_VOID(check_holder_may_still_act(ctx, token.claims));
  a.method = saml::AuthnMethod::kPreviousSession;
  a.authn_instant = token.claims.authn_instant;
  a.proof_certificate = std::move(token.hok_certificate);
  a.source_token = std::move(token.claims);
  return a;
}

Result<void> TokenCore::check_may_act_as(const TokenContext& ctx, const Authenticated& auth) {
  if (!auth.signed_by_certificate || !auth.subject.is_solution_user) {
    return fail(Errc::kPermissionDenied, "ActAs needs a request signed by a solution user");
  }
  if (!identity::in_group(auth.subject, identity::kActAsGroup)) {
    return fail(Errc::kPermissionDenied,
                "ActAs is allowed only to members of " + ctx.policy.name + "\\" +
                    std::string(identity::kActAsGroup),
                "solution user " + auth.subject.upn);
  }
  return {};
}

Result<identity::Principal> TokenCore::reread_subject(const TokenContext& ctx,
                                                      const saml::AssertionSpec& claims) {
  // A user and a solution user may share a name: re-read the kind the signed token names
  // (docs/identity.md "Names").
  const std::optional<bool> solution = saml::subject_is_solution_user(claims);
  if (!solution) {
    return fail(Errc::kSignatureInvalid, "the token does not say what kind of subject it names");
  }
  return identity_.lookup_subject(
      ctx.policy.name, claims.subject_upn,
      *solution ? identity::SubjectKind::kSolutionUser : identity::SubjectKind::kUser);
}

Result<void> TokenCore::check_holder_may_still_act(const TokenContext& ctx,
                                                   const saml::AssertionSpec& claims) {
  if (!claims.confirmation_upn) return {};
  SIGIL_TRY(identity::Principal holder,
            identity_.lookup_subject(ctx.policy.name, *claims.confirmation_upn,
                                     identity::SubjectKind::kSolutionUser));
  if (!identity::in_group(holder, identity::kActAsGroup)) {
    return fail(Errc::kPermissionDenied,
                "the solution user holding this delegated token is no longer in " +
                    ctx.policy.name + "\\" + std::string(identity::kActAsGroup));
  }
  return {};
}

Result<IssuedToken> TokenCore::sign(const TokenContext& ctx, saml::AssertionSpec& spec) {
  const keys::TenantKeys::Key& active = ctx.keys->active();
  SIGIL_TRY(std::string wire, saml::write_signed_assertion(
                                  spec, {ctx.keys->active_private_key.get(), active.chain_der_b64}));
  IssuedToken t;
  t.assertion = std::move(wire);
  t.not_before = spec.not_before;
  t.not_on_or_after = spec.not_on_or_after;
  t.key_id = active.key_id;
  t.token_id = spec.id;
  t.subject = spec.subject_upn;
  t.holder_of_key = spec.confirmation == saml::Confirmation::kHolderOfKey;
  t.renewable = spec.renew_count > 0;
  t.delegatable = spec.proxy_count > 0;
  t.signature_algorithm = signature_uri(*ctx.keys);
  return t;
}

Result<std::optional<TimePoint>> TokenCore::derive(const TokenContext& ctx, IssueInput& in,
                                                   saml::AssertionSpec& spec,
                                                   identity::Principal& subject) {
  Authenticated& auth = in.auth;
  const DerivationRequest req = derivation_request(ctx, in);
  std::optional<Derivation> d;
  if (in.act_as) {
    const saml::AssertionSpec& source = in.act_as->claims;
    SIGIL_TRY_VOID(check_may_act_as(ctx, auth));
    // An already delegated source: its holder must still be allowed to act, as for renewal.
    SIGIL_TRY_VOID(check_holder_may_still_act(ctx, source));
    SIGIL_TRY(d, derive_act_as(source, req, auth.subject.upn, ctx.now));
    SIGIL_TRY(subject, reread_subject(ctx, source));
    auth.method = source.authn_method;
    auth.authn_instant = source.authn_instant;
  } else if (auth.source_token) {
    d = derive_by_token(*auth.source_token, req);
  } else {
    spec.proxy_count = in.delegatable ? ctx.policy.max_delegation_count : 0;
    spec.renew_count = in.renewable ? ctx.policy.max_renew_count : 0;
    return std::optional<TimePoint>();
  }
  std::optional<TimePoint> cap = d->cap;
  apply(std::move(*d), spec);
  return cap;
}

Result<IssuedToken> TokenCore::issue(const TokenContext& ctx, IssueInput&& in) {
  Authenticated& auth = in.auth;
  if (in.holder_of_key && !auth.proof_certificate) {
    return fail(Errc::kMalformedRequest,
                "a holder-of-key token needs a signed request or a TLS client certificate");
  }
  saml::AssertionSpec spec;
  identity::Principal subject = auth.subject;
  SIGIL_TRY(std::optional<TimePoint> cap, derive(ctx, in, spec, subject));
  auto max = in.holder_of_key ? ctx.policy.max_hok_lifetime : ctx.policy.max_bearer_lifetime;
  SIGIL_TRY(Validity v, grant_validity(in.lifetime, ctx.now, max, cap));
  stamp(spec, v, ctx.issuer, subject);
  spec.confirmation =
      in.holder_of_key ? saml::Confirmation::kHolderOfKey : saml::Confirmation::kBearer;
  if (in.holder_of_key) spec.hok_certificate_b64 = cert_b64(auth.proof_certificate.get());
  spec.audience = in.audience;
  spec.authn_instant = std::chrono::floor<milliseconds>(auth.authn_instant);
  spec.authn_method = auth.method;
  SIGIL_TRY(IssuedToken token, sign(ctx, spec));
  std::string kind = in.act_as ? "actas" : (in.holder_of_key ? "holder-of-key" : "bearer");
  issued_.with({{"tenant", ctx.policy.name}, {"kind", kind}}).inc();
  log_.info("token.issued", {{"tenant", ctx.policy.name},
                             {"subject", spec.subject_upn},
                             {"kind", kind},
                             {"protocol", ctx.protocol},
                             {"key_id", token.key_id},
                             {"token_id", spec.id},
                             {"delegates", static_cast<std::int64_t>(spec.delegates.size())},
                             {"lifetime_s", seconds_between(v.not_before, v.not_on_or_after)}});
  return token;
}

Result<IssuedToken> TokenCore::renew(const TokenContext& ctx, RenewInput&& in) {
  saml::ValidatedAssertion& token = in.token;
  if (token.claims.confirmation != saml::Confirmation::kHolderOfKey) {
    return fail(Errc::kUnableToRenew, "only holder-of-key tokens can be renewed");
  }
  if (in.proof_certificate == nullptr) {
    return fail(Errc::kUnauthenticated, "renewal needs proof of possession of the token's key");
  }
  if (X509_cmp(in.proof_certificate, token.hok_certificate.get()) != 0) {
    return fail(Errc::kUnableToRenew, "the request is not signed by the token's key");
  }
  DerivationRequest req;
  req.max_renew_count = ctx.policy.max_renew_count;
  req.max_delegation_count = ctx.policy.max_delegation_count;
  SIGIL_TRY(Derivation d, derive_renewal(token.claims, req));
  SIGIL_TRY(identity::Principal subject, reread_subject(ctx, token.claims));
  SIGIL_TRY_VOID(check_holder_may_still_act(ctx, token.claims));
  SIGIL_TRY(Validity v, grant_validity(in.lifetime, ctx.now, ctx.policy.max_hok_lifetime, d.cap));
  saml::AssertionSpec spec = std::move(token.claims);
  stamp(spec, v, ctx.issuer, subject);
  apply(std::move(d), spec);
  SIGIL_TRY(IssuedToken renewed, sign(ctx, spec));
  issued_.with({{"tenant", ctx.policy.name}, {"kind", "renewed"}}).inc();
  log_.info("token.renewed", {{"tenant", ctx.policy.name},
                              {"subject", spec.subject_upn},
                              {"protocol", ctx.protocol},
                              {"key_id", renewed.key_id},
                              {"token_id", spec.id},
                              {"renewals_left", spec.renew_count},
                              {"delegates", static_cast<std::int64_t>(spec.delegates.size())},
                              {"lifetime_s", seconds_between(v.not_before, v.not_on_or_after)}});
  return renewed;
}

Result<ValidateOutcome> TokenCore::validate(const TokenContext& ctx, xmlDoc* doc,
                                            xmlNode* assertion) {
  auto token = validate_token(ctx, doc, assertion, /*need_hok_certificate=*/false);
  if (!token && (token.error().code == Errc::kUnavailable ||
                 token.error().code == Errc::kInternal)) {
    return unexpected(std::move(token).error());
  }
  if (!token) return invalid(ctx, std::move(token).error());
  validations_.with({{"tenant", ctx.policy.name}, {"result", "valid"}}).inc();
  log_.info("token.validated", {{"tenant", ctx.policy.name}, {"result", "valid"},
                                {"protocol", ctx.protocol}, {"key_id", token->signing_key_id},
                                {"token_id", token->claims.id}});
  ValidateOutcome out;
  out.token = std::move(*token);
  return out;
}

ValidateOutcome TokenCore::invalid(const TokenContext& ctx, Error reason) {
  validations_.with({{"tenant", ctx.policy.name}, {"result", "invalid"}}).inc();
  log_.info("token.validated", {{"tenant", ctx.policy.name}, {"result", "invalid"},
                                {"protocol", ctx.protocol}, {"error", errc_name(reason.code)},
                                {"reason", reason.message}});
  ValidateOutcome out;
  out.reason = std::move(reason);
  return out;
}

}  // namespace sigil::sts::handlers
