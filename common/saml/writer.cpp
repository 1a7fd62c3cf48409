#include "sigil/saml/writer.hpp"

#include <openssl/ecdsa.h>

#include "sigil/base/time_format.hpp"
#include "sigil/base/xml_text.hpp"
#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/saml/names.hpp"

namespace sigil::saml {
namespace {

// Which of the two forms (see writer.hpp) is being written.
enum class Form { kDigest, kWire };

// Appends `<name attr="v" ...>text</name>` with c14n escaping; attributes must come in c14n order.
struct Element {
  std::string& out;
  std::string_view name;
  Element(std::string& o, std::string_view n,
          std::initializer_list<std::pair<std::string_view, std::string_view>> attrs)
      : out(o), name(n) {
    out += '<';
    out += name;
    for (const auto& [k, v] : attrs) {
      out += ' ';
      out += k;
      out += "=\"";
      append_xml_escaped(out, v, XmlEscaping::kC14nAttribute);
      out += '"';
    }
    out += '>';
  }
  ~Element() {
    out += "</";
    out += name;
    out += '>';
  }
  Element(const Element&) = delete;
  Element& operator=(const Element&) = delete;
};

void text_element(std::string& out, std::string_view name,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> attrs,
                  std::string_view text) {
  Element e(out, name, attrs);
  append_xml_escaped(out, text, XmlEscaping::kC14nText);
}

std::string_view authn_class(AuthnMethod m) {
  switch (m) {
    case AuthnMethod::kPassword: return uri::kAcPassword;
    case AuthnMethod::kXmlDsig: return uri::kAcXmlDsig;
    case AuthnMethod::kPreviousSession: return uri::kAcPreviousSession;
    case AuthnMethod::kTlsClient: return uri::kAcTlsClient;
  }
  return uri::kAcPassword;
}

void write_subject(std::string& out, const AssertionSpec& s) {
  Element subject(out, "saml2:Subject", {});
  text_element(out, "saml2:NameID", {{"Format", uri::kNameIdUpn}}, s.subject_upn);
  bool hok = s.confirmation == Confirmation::kHolderOfKey;
  Element conf(out, "saml2:SubjectConfirmation",
               {{"Method", hok ? uri::kCmHolderOfKey : uri::kCmBearer}});
  if (s.confirmation_upn) {
    text_element(out, "saml2:NameID", {{"Format", uri::kNameIdUpn}}, *s.confirmation_upn);
  }
  if (!hok) {
    std::string end = format_time_ms(s.not_on_or_after);
    Element data(out, "saml2:SubjectConfirmationData", {{"NotOnOrAfter", end}});
    return;
  }
  Element data(out, "saml2:SubjectConfirmationData",
               {{"xsi:type", "saml2:KeyInfoConfirmationDataType"}});
  Element key_info(out, "ds:KeyInfo", {{"xmlns:ds", ns::kDs}});
  Element x509_data(out, "ds:X509Data", {});
  text_element(out, "ds:X509Certificate", {}, s.hok_certificate_b64);
}

void write_conditions(std::string& out, const AssertionSpec& s, Form form) {
  std::string nb = format_time_ms(s.not_before);
  std::string noa = format_time_ms(s.not_on_or_after);
  Element conditions(out, "saml2:Conditions", {{"NotBefore", nb}, {"NotOnOrAfter", noa}});
  std::string proxy = std::to_string(s.proxy_count);
  { Element p(out, "saml2:ProxyRestriction", {{"Count", proxy}}); }
  if (!s.delegates.empty()) {
    Element c(out, "saml2:Condition", {{"xsi:type", "del:DelegationRestrictionType"}});
    for (const auto& d : s.delegates) {
      std::string at = format_time_ms(d.instant);
      Element del(out, "del:Delegate", {{"xmlns:del", ns::kDelegation}, {"DelegationInstant", at}});
      text_element(out, "saml2:NameID", {{"Format", uri::kNameIdUpn}}, d.upn);
    }
  }
  if (s.renew_count > 0) {
    std::string count = std::to_string(s.renew_count);
    if (form == Form::kWire) {
      Element c(out, "saml2:Condition",
                {{"xmlns:rsa", ns::kRsa}, {"Count", count}, {"xsi:type", "rsa:RenewRestrictionType"}});
    } else {
      Element c(out, "saml2:Condition", {{"Count", count}, {"xsi:type", "rsa:RenewRestrictionType"}});
    }
  }
  if (s.audience) {
    Element ar(out, "saml2:AudienceRestriction", {});
    text_element(out, "saml2:Audience", {}, *s.audience);
  }
}

void write_statements(std::string& out, const AssertionSpec& s) {
  {
    std::string at = format_time_ms(s.authn_instant);
    Element stmt(out, "saml2:AuthnStatement", {{"AuthnInstant", at}});
    Element ctx(out, "saml2:AuthnContext", {});
    text_element(out, "saml2:AuthnContextClassRef", {}, authn_class(s.authn_method));
  }
  Element stmt(out, "saml2:AttributeStatement", {});
  for (const auto& a : s.attributes) {
    Element attr(out, "saml2:Attribute",
                 {{"FriendlyName", a.friendly_name}, {"Name", a.name},
                  {"NameFormat", uri::kAttrNameFormatUri}});
    for (const auto& v : a.values) {
      text_element(out, "saml2:AttributeValue", {{"xsi:type", "xs:string"}}, v);
    }
  }
  if (s.chain_not_on_or_after) {
    Element attr(out, "saml2:Attribute",
                 {{"FriendlyName", uri::kAttrChainNotOnOrAfterFriendly},
                  {"Name", uri::kAttrChainNotOnOrAfter},
                  {"NameFormat", uri::kAttrNameFormatUri}});
    text_element(out, "saml2:AttributeValue", {{"xsi:type", "xs:string"}},
                 format_time_ms(*s.chain_not_on_or_after));
  }
}

// Writes the assertion; `signature` (wire form only) goes right after Issuer.
std::string write(const AssertionSpec& s, Form form, std::string_view signature) {
  std::string out;
  out.reserve(4096);
  std::string instant = format_time_ms(s.issue_instant);
  {  // the Element closes the tag when it goes out of scope, before `out` is returned
    Element assertion(out, "saml2:Assertion",
                      {{"xmlns:saml2", ns::kSaml2}, {"xmlns:xs", ns::kXs}, {"xmlns:xsi", ns::kXsi},
                       {"ID", s.id}, {"IssueInstant", instant}, {"Version", "2.0"}});
    text_element(out, "saml2:Issuer", {{"Format", uri::kNameIdEntity}}, s.issuer);
    out += signature;
    write_subject(out, s);
    write_conditions(out, s, form);
    write_statements(out, s);
  }
  return out;
}

// SignedInfo's children, identical in the canonical and the wire form.
std::string signed_info_body(std::string_view id, std::string_view sig_alg, std::string_view digest_b64) {
  std::string out;
  { Element e(out, "ds:CanonicalizationMethod", {{"Algorithm", ns::kExcC14n}}); }
  { Element e(out, "ds:SignatureMethod", {{"Algorithm", sig_alg}}); }
  std::string ref_uri = "#" + std::string(id);
  {
    Element ref(out, "ds:Reference", {{"URI", ref_uri}});
    {
      Element transforms(out, "ds:Transforms", {});
      { Element t(out, "ds:Transform", {{"Algorithm", uri::kEnvelopedSignature}}); }
      Element t(out, "ds:Transform", {{"Algorithm", ns::kExcC14n}});
      Element inc(out, "ec:InclusiveNamespaces",
                  {{"xmlns:ec", ns::kExcC14n}, {"PrefixList", "xs xsi"}});
    }
    { Element e(out, "ds:DigestMethod", {{"Algorithm", uri::kSha256}}); }
    text_element(out, "ds:DigestValue", {}, digest_b64);
  }
  return out;
}

// XML-DSig wants ECDSA signatures as r || s, each padded to the field size (RFC 4050), while
// OpenSSL produces DER.
Result<std::vector<std::uint8_t>> ecdsa_der_to_raw(const std::vector<std::uint8_t>& der, int bits) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, CDeleter<ECDSA_SIG_free>> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return crypto::crypto_error("decoding an ECDSA signature");
  int n = (bits + 7) / 8;
  std::vector<std::uint8_t> raw(2 * static_cast<size_t>(n));
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), n) != n ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + n, n) != n) {
    return crypto::crypto_error("encoding an ECDSA signature");
  }
  return raw;
}

// Every text the assertion carries must consist of XML 1.0 Chars (docs/security.md "Text in
// tokens"): no escaping can carry U+0000, U+0001 or U+FFFE, and a token holding one would not
// be well-formed XML. Whatever the source (a request, the database), nothing is signed then.
Result<void> check_text(const AssertionSpec& s) {
  std::string_view bad_field;
  auto check = [&bad_field](std::string_view field, std::string_view text) {
    if (bad_field.empty() && !is_xml_chars(text)) bad_field = field;
  };
  check("ID", s.id);
  check("Issuer", s.issuer);
  check("subject NameID", s.subject_upn);
  if (s.confirmation_upn) check("SubjectConfirmation NameID", *s.confirmation_upn);
  check("holder-of-key certificate", s.hok_certificate_b64);
  for (const auto& d : s.delegates) check("Delegate NameID", d.upn);
  if (s.audience) check("Audience", *s.audience);
  for (const auto& a : s.attributes) {
    check("attribute name", a.friendly_name);
    check("attribute name", a.name);
    for (const auto& v : a.values) check("attribute value", v);
  }
  if (bad_field.empty()) return {};
  return fail(Errc::kMalformedRequest,
              "the token's " + std::string(bad_field) +
                  " would contain a character XML 1.0 cannot carry (a control character, "
                  "U+FFFE/U+FFFF or invalid UTF-8)");
}

}  // namespace

std::string write_digest_form(const AssertionSpec& spec) { return write(spec, Form::kDigest, {}); }

Result<std::string> write_signed_assertion(const AssertionSpec& spec, const SigningIdentity& id) {
  if (id.key == nullptr || id.chain_der_b64.empty()) {
    return fail(Errc::kKeyNotFound, "no signing key", "SigningIdentity without key or certificate");
  }
  SIGIL_TRY_VOID(check_text(spec));
  crypto::KeyInfo key = crypto::describe(id.key);
  bool ec = key.algorithm == crypto::KeyAlgorithm::kEc;
  if (!ec && key.algorithm != crypto::KeyAlgorithm::kRsa) {
    return fail(Errc::kUnsupportedAlgorithm, "signing key type not supported", key.description);
  }
  std::string digest_form = write_digest_form(spec);
  auto digest = crypto::sha256(crypto::bytes_of(digest_form));
  std::string body = signed_info_body(spec.id, ec ? uri::kEcdsaSha256 : uri::kRsaSha256,
                                      crypto::base64_encode(digest));
  std::string canonical_signed_info =
      "<ds:SignedInfo xmlns:ds=\"" + std::string(ns::kDs) + "\">" + body + "</ds:SignedInfo>";
  SIGIL_TRY(auto sig, crypto::sign(id.key, crypto::Digest::kSha256,
                                   crypto::bytes_of(canonical_signed_info)));
  if (ec) {
    SIGIL_TRY(sig, ecdsa_der_to_raw(sig, key.bits));
  }
  std::string signature = "<ds:Signature xmlns:ds=\"" + std::string(ns::kDs) + "\"><ds:SignedInfo>" +
                          body + "</ds:SignedInfo><ds:SignatureValue>" +
                          crypto::base64_encode(sig) + "</ds:SignatureValue><ds:KeyInfo><ds:X509Data>";
  for (const auto& cert : id.chain_der_b64) {
    signature += "<ds:X509Certificate>" + cert + "</ds:X509Certificate>";
  }
  signature += "</ds:X509Data></ds:KeyInfo></ds:Signature>";
  return write(spec, Form::kWire, signature);
}

}  // namespace sigil::saml
