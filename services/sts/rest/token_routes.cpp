#include "sts/rest/token_routes.hpp"

#include <openssl/crypto.h>

#include <boost/json.hpp>

#include "sigil/base/time_format.hpp"
#include "sigil/base/xml_text.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/http/message.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/http/json_body.hpp"
#include "sts/identity/login_throttle.hpp"

namespace sigil::sts::rest {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using handlers::IssuedToken;
using http::JsonFields;
using handlers::TokenContext;
using handlers::TokenCore;

// Field limits. A token of Sigil's is a few kB; 48 kB of base64 leaves room for long group lists.
constexpr std::size_t kMaxToken = 48 * 1024;
constexpr std::size_t kMaxUsername = 256;
constexpr std::size_t kMaxPassword = 1024;
constexpr std::size_t kMaxAudience = 1024;
constexpr std::size_t kMaxCertificatePem = 16 * 1024;
// lifetime_s is clipped to the tenant's maximum anyway; this bound only keeps the arithmetic sane.
constexpr std::int64_t kMaxLifetimeS = 10LL * 366 * 24 * 3600;

std::string_view content_type(const http::Request& r) {
  return r.message[bhttp::field::content_type];
}

http::Response json_response(const json::object& o) {
  http::Response res = http::make_response(bhttp::status::ok, json::serialize(o), http::kJson);
  res.set(bhttp::field::cache_control, "no-store");  // tokens must not sit in caches
  return res;
}

std::optional<handlers::RequestedLifetime> requested_lifetime(std::optional<std::int64_t> s,
                                                              TimePoint now) {
  if (!s) return std::nullopt;
  handlers::RequestedLifetime l;
  l.created = now;
  l.expires = now + std::chrono::seconds(*s);
  return l;
}

http::Response issued_answer(const IssuedToken& t) {
  json::object o;
  o["token"] = crypto::base64_encode(crypto::bytes_of(t.assertion));
  o["expires_at"] = format_time_ms(t.not_on_or_after);
  o["key_id"] = t.key_id;
  return json_response(o);
}

// A token as the API carries it: base64 of the assertion XML. Not base64: kMalformedRequest.
Result<std::string> decode_base64(std::string_view b64) {
  auto xml = crypto::base64_decode(b64);
  if (!xml) return fail(Errc::kMalformedRequest, "field 'token' is not base64");
  return std::string(reinterpret_cast<const char*>(xml->data()), xml->size());
}

// The holder_of_key certificate, which must be the one the client proved to hold in the TLS
// handshake.
Result<void> check_holder_of_key(std::string_view pem, X509* tls_cert) {
  SIGIL_TRY(crypto::X509Ptr wanted, crypto::parse_certificate_pem(pem));
  if (tls_cert == nullptr) {
    return fail(Errc::kUnauthenticated,
                "a holder-of-key token needs proof of possession: present the holder_of_key "
                "certificate as the TLS client certificate");
  }
  if (X509_cmp(wanted.get(), tls_cert) != 0) {
    return fail(Errc::kPermissionDenied,
                "holder_of_key is not the certificate presented in the TLS handshake");
  }
  return {};
}

Result<handlers::Authenticated> authenticate(TokenCore& core, const TokenContext& ctx,
                                             const JsonFields& f, X509* tls_cert) {
  SIGIL_TRY(std::string_view grant, f.required_string("grant", 64));
  SIGIL_TRY(auto username, f.string("username", kMaxUsername));
  SIGIL_TRY(auto password, f.string("password", kMaxPassword));
  if (grant == "password") {
    if (!username) return fail(Errc::kMalformedRequest, "field 'username' is required");
    if (!password) return fail(Errc::kMalformedRequest, "field 'password' is required");
    return core.authenticate_password(ctx, *username, *password);
  }
  if (grant != "client_certificate") {
    return fail(Errc::kUnsupported, "grant must be 'password' or 'client_certificate'");
  }
  if (username || password) {
    return fail(Errc::kMalformedRequest,
                "grant 'client_certificate' takes no username or password");
  }
  if (tls_cert == nullptr) {
    return fail(Errc::kUnauthenticated,
                "grant 'client_certificate' needs a TLS client certificate");
  }
  return core.authenticate_certificate(ctx, tls_cert, saml::AuthnMethod::kTlsClient);
}

Result<http::Response> issue(TokenCore& core, http::Request& r) {
  auto parsed = JsonFields::parse(content_type(r), r.message.body(),
                                  {"grant", "username", "password", "lifetime_s", "audience",
                                   "holder_of_key"});
  // The body may hold a password: wipe it now that it is parsed (JsonFields wipes its copy).
  OPENSSL_cleanse(r.message.body().data(), r.message.body().size());
  if (!parsed) return unexpected(std::move(parsed).error());
  const JsonFields& f = *parsed;
  SIGIL_TRY(auto lifetime_s, f.integer("lifetime_s", 1, kMaxLifetimeS));
  SIGIL_TRY(auto audience, f.string("audience", kMaxAudience));
  if (audience && !is_xml_chars(*audience)) {  // it would go into the token (docs/security.md)
    return fail(Errc::kMalformedRequest,
                "field 'audience' contains a character XML 1.0 cannot carry (a control "
                "character other than tab, LF and CR, or U+FFFE/U+FFFF)");
  }
  SIGIL_TRY(auto hok_pem, f.string("holder_of_key", kMaxCertificatePem));
  X509* tls_cert = r.peer_certificate.get();
  if (hok_pem) {
    SIGIL_TRY_VOID(check_holder_of_key(*hok_pem, tls_cert));
  }
  SIGIL_TRY(TokenContext ctx, core.begin(r.param("tenant"), "rest"));
  ctx.source = identity::client_source(r.remote_address);
  handlers::IssueInput in;
  SIGIL_TRY(in.auth, authenticate(core, ctx, f, tls_cert));
  in.holder_of_key = hok_pem.has_value();
  if (in.holder_of_key) in.auth.proof_certificate = crypto::share(tls_cert);
  in.renewable = in.holder_of_key;  // bearer tokens cannot be renewed anyway
  in.lifetime = requested_lifetime(lifetime_s, ctx.now);
  if (audience) in.audience = std::string(*audience);
  SIGIL_TRY(IssuedToken t, core.issue(ctx, std::move(in)));
  return issued_answer(t);
}

http::Response validate_answer(const handlers::ValidateOutcome& outcome) {
  json::object o;
  o["valid"] = outcome.token.has_value();
  if (!outcome.token) {
    o["subject"] = nullptr;
    o["groups"] = nullptr;
    o["expires_at"] = nullptr;
    o["key_id"] = nullptr;
    o["error"] = errc_name(outcome.reason.code);
    o["reason"] = outcome.reason.message;
    return json_response(o);
  }
  const saml::AssertionSpec& claims = outcome.token->claims;
  json::array groups;
  for (const auto& a : claims.attributes) {
    if (a.name != saml::uri::kAttrGroups) continue;
    for (const auto& g : a.values) groups.emplace_back(g);
  }
  o["subject"] = claims.subject_upn;
  o["groups"] = std::move(groups);
  o["expires_at"] = format_time_ms(claims.not_on_or_after);
  o["key_id"] = outcome.token->signing_key_id;
  o["error"] = nullptr;
  o["reason"] = nullptr;
  return json_response(o);
}

Result<http::Response> validate(TokenCore& core, http::Request& r) {
  SIGIL_TRY(JsonFields f, JsonFields::parse(content_type(r), r.message.body(), {"token"}));
  SIGIL_TRY(std::string_view b64, f.required_string("token", kMaxToken));
  SIGIL_TRY(std::string xml, decode_base64(b64));
  SIGIL_TRY(TokenContext ctx, core.begin(r.param("tenant"), "rest"));
  auto token = saml::parse_token(xml);
  if (!token) {
    // Bytes that are not even an assertion are an invalid token, not a bad request.
    return validate_answer(core.invalid(ctx, std::move(token).error()));
  }
  SIGIL_TRY(handlers::ValidateOutcome outcome,
            core.validate(ctx, token->doc.get(), token->assertion));
  return validate_answer(outcome);
}

Result<http::Response> renew(TokenCore& core, http::Request& r) {
  SIGIL_TRY(JsonFields f,
            JsonFields::parse(content_type(r), r.message.body(), {"token", "lifetime_s"}));
  SIGIL_TRY(std::string_view b64, f.required_string("token", kMaxToken));
  SIGIL_TRY(auto lifetime_s, f.integer("lifetime_s", 1, kMaxLifetimeS));
  SIGIL_TRY(std::string xml, decode_base64(b64));
  SIGIL_TRY(TokenContext ctx, core.begin(r.param("tenant"), "rest"));
  SIGIL_TRY(saml::ParsedToken token, saml::parse_token(xml));
  handlers::RenewInput in;
  SIGIL_TRY(in.token, core.validate_token(ctx, token.doc.get(), token.assertion));
  in.proof_certificate = r.peer_certificate.get();
  in.lifetime = requested_lifetime(lifetime_s, ctx.now);
  SIGIL_TRY(IssuedToken t, core.renew(ctx, std::move(in)));
  return issued_answer(t);
}

using Flow = Result<http::Response> (*)(TokenCore&, http::Request&);

http::Response answer(Flow flow, std::string_view what, TokenCore& core, const log::Logger& log,
                      http::Request& r) {
  auto result = flow(core, r);
  if (result) return std::move(*result);
  const Error& error = result.error();
  r.fault = std::string(errc_name(error.code));
  log.warn("rest.error", {{"tenant", r.param("tenant")}, {"operation", what},
                          {"error", errc_name(error.code)}, {"message", error.message},
                          {"detail", error.detail}, {"remote", r.remote}});
  http::Response res = http::rest_error(error);
  res.set(bhttp::field::cache_control, "no-store");
  // A throttled source regains an attempt within a minute at the default rate.
  if (error.code == Errc::kRateLimited) res.set(bhttp::field::retry_after, "60");
  return res;
}

}  // namespace

void add_token_routes(http::Router& router, TokenCore& core, const log::Logger& log) {
  struct Route {
    std::string_view pattern;
    std::string_view what;
    Flow flow;
  };
  // The tenant-less forms serve the tenant the TLS SNI name / Host names (routing/).
  static constexpr Route kRoutes[] = {
      {"/api/v1/tenants/{tenant}/tokens", "issue", &issue},
      {"/api/v1/tenants/{tenant}/tokens/validate", "validate", &validate},
      {"/api/v1/tenants/{tenant}/tokens/renew", "renew", &renew},
      {"/api/v1/tokens", "issue", &issue},
      {"/api/v1/tokens/validate", "validate", &validate},
      {"/api/v1/tokens/renew", "renew", &renew},
  };
  for (const Route& route : kRoutes) {
    router.add_blocking(
        bhttp::verb::post, route.pattern,
        [&core, &log, route](http::Request& r) {
          return answer(route.flow, route.what, core, log, r);
        },
        http::ErrorStyle::kJson);
  }
}

}  // namespace sigil::sts::rest
