#include "sigil/saml/validator.hpp"

#include "claims_reader.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/parser.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::saml {
namespace {

Result<void> check_time(const AssertionSpec& claims, const ValidationPolicy& policy,
                        TimePoint now) {
  if (now < claims.not_before - policy.clock_tolerance) {
    return fail(Errc::kTokenExpired, "token is not yet valid");
  }
  if (now >= claims.not_on_or_after + policy.clock_tolerance) {
    return fail(Errc::kTokenExpired, "token has expired");
  }
  if (claims.not_on_or_after <= claims.not_before) {
    return fail(Errc::kMalformedRequest, "token validity window is empty");
  }
  return {};
}

Result<void> check_policy(const AssertionSpec& claims, const ValidationPolicy& policy) {
  if (policy.expected_issuer && claims.issuer != *policy.expected_issuer) {
    return fail(Errc::kPermissionDenied, "token was issued for another tenant",
                "issuer " + claims.issuer);
  }
  if (policy.audience && claims.audience && *claims.audience != *policy.audience) {
    return fail(Errc::kPermissionDenied, "token is not meant for this audience");
  }
  if (policy.audience && !claims.audience && !policy.accept_no_audience) {
    return fail(Errc::kPermissionDenied, "token carries no audience restriction");
  }
  return {};
}

}  // namespace

Result<ValidatedAssertion> validate_assertion(xmlDoc* doc, xmlNode* assertion,
                                              std::span<const TrustedSigningKey> keys,
                                              const ValidationPolicy& policy, const Clock& clock) {
  if (!xml::is_element(assertion, ns::kSaml2, "Assertion")) {
    return fail(Errc::kMalformedRequest, "not a SAML 2.0 assertion");
  }
  if (keys.empty()) return fail(Errc::kKeyNotFound, "tenant has no key that may verify tokens");
  xml::VerifyTrust trust;
  for (const auto& k : keys) trust.keys.push_back({nullptr, k.certificate});
  SIGIL_TRY(xml::VerifiedNode verified, xml::verify(doc, assertion, trust));
  // From here on, only the node the signature covers is read.
  SIGIL_TRY(AssertionSpec claims, detail::read_claims(verified.node));
  SIGIL_TRY_VOID(check_time(claims, policy, clock.now()));
  SIGIL_TRY_VOID(check_policy(claims, policy));
  ValidatedAssertion out;
  out.signing_key_id = keys[verified.trusted_key_index].key_id;
  if (claims.confirmation == Confirmation::kHolderOfKey && policy.parse_hok_certificate) {
    SIGIL_TRY(auto der, crypto::base64_decode(claims.hok_certificate_b64));
    auto cert = crypto::parse_certificate_der(der);
    if (!cert) return fail(Errc::kMalformedRequest, "holder-of-key certificate does not parse");
    out.hok_certificate = std::move(*cert);
  }
  out.claims = std::move(claims);
  return out;
}

std::optional<bool> subject_is_solution_user(const AssertionSpec& spec) {
  for (const auto& a : spec.attributes) {
    if (a.name != uri::kAttrSubjectType) continue;
    if (a.values.size() != 1) return std::nullopt;
    if (a.values.front() == "true") return true;
    if (a.values.front() == "false") return false;
    return std::nullopt;
  }
  return std::nullopt;
}

Result<ParsedToken> parse_token(std::string_view xml_text) {
  xml::ParseLimits limits;
  limits.max_bytes = 256 * 1024;
  SIGIL_TRY(xml::XmlDocPtr doc, xml::parse_untrusted(xml_text, limits));
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!xml::is_element(root, ns::kSaml2, "Assertion")) {
    return fail(Errc::kMalformedRequest, "token is not a SAML 2.0 assertion");
  }
  return ParsedToken{std::move(doc), root};
}

}  // namespace sigil::saml
