#include "claims_reader.hpp"

#include <charconv>

#include "sigil/base/time_format.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::saml::detail {
namespace {

using xml::find_attribute;
using xml::first_child_element;
using xml::is_element;
using xml::next_sibling_element;

Unexpected<Error> shape(std::string what) {
  return fail(Errc::kMalformedRequest, "token has an unexpected shape", std::move(what));
}

bool is_saml(const xmlNode* n, std::string_view local) { return is_element(n, ns::kSaml2, local); }

Result<std::string> attr(const xmlNode* n, std::string_view name, std::string_view ns_uri = "") {
  const xmlAttr* a = find_attribute(n, ns_uri, name);
  if (!a) return shape("missing attribute " + std::string(name));
  return xml::attribute_value(a);
}

// SAML times are UTC xs:dateTime (SAML core 1.3.3): an offset, no zone or 23:59:60 is refused.
Result<TimePoint> time_attr(const xmlNode* n, std::string_view name) {
  SIGIL_TRY(std::string v, attr(n, name));
  auto t = parse_saml_time(v);
  if (!t) return shape(std::string(name) + " is not a UTC xs:dateTime");
  return *t;
}

Result<int> count_attr(const xmlNode* n) {
  SIGIL_TRY(std::string v, attr(n, "Count"));
  int count = -1;
  auto r = std::from_chars(v.data(), v.data() + v.size(), count);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || count < 0 || count > 1000) {
    return shape("bad Count");
  }
  return count;
}

// A child element that must be the next one, by local name in the SAML namespace.
Result<const xmlNode*> expect(const xmlNode* n, std::string_view local) {
  if (!n || !is_saml(n, local)) return shape("expected saml2:" + std::string(local));
  return n;
}

Result<std::string> upn_of(const xmlNode* name_id) {
  SIGIL_TRY(std::string format, attr(name_id, "Format"));
  if (format != uri::kNameIdUpn) return shape("NameID format");
  return xml::node_text(name_id);
}

Result<void> read_hok_data(const xmlNode* data, AssertionSpec& out) {
  SIGIL_TRY(std::string type, attr(data, "type", ns::kXsi));
  if (type != "saml2:KeyInfoConfirmationDataType") return shape("SubjectConfirmationData type");
  const xmlNode* key_info = first_child_element(data);
  if (!is_element(key_info, ns::kDs, "KeyInfo") || next_sibling_element(key_info)) {
    return shape("holder-of-key KeyInfo");
  }
  const xmlNode* x509_data = first_child_element(key_info);
  const xmlNode* cert = x509_data ? first_child_element(x509_data) : nullptr;
  if (!is_element(x509_data, ns::kDs, "X509Data") || !is_element(cert, ns::kDs, "X509Certificate") ||
      next_sibling_element(cert) || next_sibling_element(x509_data)) {
    return shape("holder-of-key X509Data");
  }
  SIGIL_TRY(out.hok_certificate_b64, xml::node_text(cert));
  out.confirmation = Confirmation::kHolderOfKey;
  return {};
}

Result<void> read_subject(const xmlNode* subject, AssertionSpec& out) {
  SIGIL_TRY(const xmlNode* name_id, expect(first_child_element(subject), "NameID"));
  SIGIL_TRY(out.subject_upn, upn_of(name_id));
  SIGIL_TRY(const xmlNode* conf, expect(next_sibling_element(name_id), "SubjectConfirmation"));
  if (next_sibling_element(conf)) return shape("more than one SubjectConfirmation");
  SIGIL_TRY(std::string method, attr(conf, "Method"));
  const xmlNode* child = first_child_element(conf);
  if (child && is_saml(child, "NameID")) {
    SIGIL_TRY(out.confirmation_upn, upn_of(child));
    child = next_sibling_element(child);
  }
  SIGIL_TRY(const xmlNode* data, expect(child, "SubjectConfirmationData"));
  if (next_sibling_element(data)) return shape("SubjectConfirmation children");
  if (method == uri::kCmHolderOfKey) return read_hok_data(data, out);
  if (method != uri::kCmBearer) return shape("confirmation method");
  out.confirmation = Confirmation::kBearer;
  if (first_child_element(data)) return shape("bearer SubjectConfirmationData children");
  return {};
}

Result<void> read_delegates(const xmlNode* condition, AssertionSpec& out) {
  for (const xmlNode* d = first_child_element(condition); d; d = next_sibling_element(d)) {
    if (!is_element(d, ns::kDelegation, "Delegate")) return shape("Delegate");
    Delegate delegate;
    SIGIL_TRY(delegate.instant, time_attr(d, "DelegationInstant"));
    SIGIL_TRY(const xmlNode* name_id, expect(first_child_element(d), "NameID"));
    SIGIL_TRY(delegate.upn, upn_of(name_id));
    out.delegates.push_back(std::move(delegate));
  }
  if (out.delegates.empty()) return shape("empty delegation condition");
  return {};
}

Result<void> read_condition(const xmlNode* c, AssertionSpec& out) {
  if (is_saml(c, "AudienceRestriction")) {
    SIGIL_TRY(const xmlNode* audience, expect(first_child_element(c), "Audience"));
    SIGIL_TRY(out.audience, xml::node_text(audience));
    return {};
  }
  if (!is_saml(c, "Condition")) return shape("unknown condition");
  SIGIL_TRY(std::string type, attr(c, "type", ns::kXsi));
  if (type == "rsa:RenewRestrictionType") {
    SIGIL_TRY(out.renew_count, count_attr(c));
    return {};
  }
  if (type == "del:DelegationRestrictionType") return read_delegates(c, out);
  return shape("unknown condition type");
}

Result<void> read_conditions(const xmlNode* conditions, AssertionSpec& out) {
  SIGIL_TRY(out.not_before, time_attr(conditions, "NotBefore"));
  SIGIL_TRY(out.not_on_or_after, time_attr(conditions, "NotOnOrAfter"));
  SIGIL_TRY(const xmlNode* proxy, expect(first_child_element(conditions), "ProxyRestriction"));
  SIGIL_TRY(out.proxy_count, count_attr(proxy));
  for (const xmlNode* c = next_sibling_element(proxy); c; c = next_sibling_element(c)) {
    SIGIL_TRY_VOID(read_condition(c, out));
  }
  return {};
}

Result<void> read_authn(const xmlNode* stmt, AssertionSpec& out) {
  SIGIL_TRY(out.authn_instant, time_attr(stmt, "AuthnInstant"));
  SIGIL_TRY(const xmlNode* ctx, expect(first_child_element(stmt), "AuthnContext"));
  SIGIL_TRY(const xmlNode* ref, expect(first_child_element(ctx), "AuthnContextClassRef"));
  SIGIL_TRY(std::string cls, xml::node_text(ref));
  static constexpr std::pair<std::string_view, AuthnMethod> kMethods[] = {
      {uri::kAcPassword, AuthnMethod::kPassword},
      {uri::kAcXmlDsig, AuthnMethod::kXmlDsig},
      {uri::kAcPreviousSession, AuthnMethod::kPreviousSession},
      {uri::kAcTlsClient, AuthnMethod::kTlsClient},
  };
  for (const auto& [name, method] : kMethods) {
    if (cls == name) {
      out.authn_method = method;
      return {};
    }
  }
  return shape("AuthnContextClassRef");
}

Result<void> read_attributes(const xmlNode* stmt, AssertionSpec& out) {
  for (const xmlNode* a = first_child_element(stmt); a; a = next_sibling_element(a)) {
    SIGIL_TRY(const xmlNode* el, expect(a, "Attribute"));
    Attribute attribute;
    SIGIL_TRY(attribute.friendly_name, attr(el, "FriendlyName"));
    SIGIL_TRY(attribute.name, attr(el, "Name"));
    for (const xmlNode* v = first_child_element(el); v; v = next_sibling_element(v)) {
      SIGIL_TRY(const xmlNode* value, expect(v, "AttributeValue"));
      SIGIL_TRY(std::string text, xml::node_text(value));
      attribute.values.push_back(std::move(text));
    }
    if (attribute.name == uri::kAttrChainNotOnOrAfter) {
      // The chain cap (docs/delegation.md): one time, at most once, not a subject attribute.
      if (out.chain_not_on_or_after || attribute.values.size() != 1) {
        return shape("ChainNotOnOrAfter");
      }
      SIGIL_TRY(out.chain_not_on_or_after, parse_saml_time(attribute.values.front()));
      continue;
    }
    out.attributes.push_back(std::move(attribute));
  }
  if (out.attributes.empty()) return shape("no attributes");
  return {};
}

}  // namespace

Result<AssertionSpec> read_claims(const xmlNode* assertion) {
  AssertionSpec out;
  SIGIL_TRY(out.id, attr(assertion, "ID"));
  SIGIL_TRY(out.issue_instant, time_attr(assertion, "IssueInstant"));
  SIGIL_TRY(std::string version, attr(assertion, "Version"));
  if (version != "2.0") return shape("Version");
  SIGIL_TRY(const xmlNode* issuer, expect(first_child_element(assertion), "Issuer"));
  SIGIL_TRY(out.issuer, xml::node_text(issuer));
  const xmlNode* signature = next_sibling_element(issuer);
  if (!is_element(signature, ns::kDs, "Signature")) return shape("Signature after Issuer");
  SIGIL_TRY(const xmlNode* subject, expect(next_sibling_element(signature), "Subject"));
  SIGIL_TRY_VOID(read_subject(subject, out));
  SIGIL_TRY(const xmlNode* conditions, expect(next_sibling_element(subject), "Conditions"));
  SIGIL_TRY_VOID(read_conditions(conditions, out));
  SIGIL_TRY(const xmlNode* authn, expect(next_sibling_element(conditions), "AuthnStatement"));
  SIGIL_TRY_VOID(read_authn(authn, out));
  SIGIL_TRY(const xmlNode* attrs, expect(next_sibling_element(authn), "AttributeStatement"));
  SIGIL_TRY_VOID(read_attributes(attrs, out));
  if (next_sibling_element(attrs)) return shape("element after AttributeStatement");
  return out;
}

}  // namespace sigil::saml::detail
