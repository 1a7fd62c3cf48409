// wsse:Security children (WSS 1.1 SOAP Message Security, username and X.509 token profiles,
// SAML token profile 1.1), in any order, each at most once.
#include "security_header.hpp"

#include <array>
#include <string>
#include <string_view>

#include <openssl/crypto.h>

#include "parse_util.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::sts::wstrust::detail {
namespace {

namespace ns = saml::ns;
namespace uri = saml::uri;

Result<void> read_timestamp(xmlNode* n, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  const xmlNode* created = nullptr;
  const xmlNode* expires = nullptr;
  for (const xmlNode* c : kids) {
    const bool is_created = xml::is_element(c, ns::kWsu, "Created");
    if (!is_created && !xml::is_element(c, ns::kWsu, "Expires")) {
      return fail(Errc::kMalformedRequest, "unexpected element in wsu:Timestamp");
    }
    const xmlNode*& slot = is_created ? created : expires;
    SIGIL_TRY_VOID(check_once(slot, is_created ? "Timestamp Created" : "Timestamp Expires"));
    slot = c;
  }
  if (created == nullptr || expires == nullptr) {
    return fail(Errc::kMalformedRequest, "wsu:Timestamp needs both Created and Expires");
  }
  Timestamp ts;
  ts.node = n;
  ts.id = attribute(n, ns::kWsu, "Id").value_or("");
  SIGIL_TRY(ts.created, read_instant(created, "Timestamp Created"));
  SIGIL_TRY(ts.expires, read_instant(expires, "Timestamp Expires"));
  req.timestamp = std::move(ts);
  return {};
}

Result<void> check_password_type(const xmlNode* password) {
  const std::optional<std::string> type = attribute(password, "", "Type");
  if (!type || *type == uri::kWssPasswordText) return {};
  if (*type == uri::kWssPasswordDigest) {
    return fail(Errc::kUnsupported, "PasswordDigest is not supported; send the password as text");
  }
  return fail(Errc::kUnsupported, "unsupported wsse:Password Type");
}

Result<void> read_username_token(xmlNode* n, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  const xmlNode* username = nullptr;
  const xmlNode* password = nullptr;
  for (const xmlNode* c : kids) {
    if (xml::is_element(c, ns::kWsse, "Username")) {
      SIGIL_TRY_VOID(check_once(username, "wsse:Username"));
      username = c;
    } else if (xml::is_element(c, ns::kWsse, "Password")) {
      SIGIL_TRY_VOID(check_once(password, "wsse:Password"));
      password = c;
    } else if (!xml::is_element(c, ns::kWsse, "Nonce") &&
               !xml::is_element(c, ns::kWsu, "Created")) {
      return fail(Errc::kMalformedRequest, "unexpected element in wsse:UsernameToken");
    }
  }
  if (username == nullptr || password == nullptr) {
    return fail(Errc::kMalformedRequest, "wsse:UsernameToken needs a Username and a Password");
  }
  SIGIL_TRY_VOID(check_password_type(password));
  UsernameToken token;
  SIGIL_TRY(token.username, xml::node_text(username));
  SIGIL_TRY(std::string secret, xml::node_text(password));
  token.password = crypto::SecretString(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  req.username_token = std::move(token);
  return {};
}

Result<crypto::X509Ptr> read_certificate(const xmlNode* n) {
  SIGIL_TRY(std::string text, xml::node_text(n));
  auto der = crypto::base64_decode(text);
  if (!der) return fail(Errc::kMalformedRequest, "BinarySecurityToken is not valid base64");
  auto cert = crypto::parse_certificate_der(*der);
  if (!cert) {
    return fail(Errc::kMalformedRequest, "BinarySecurityToken is not a DER X.509 certificate",
                cert.error().to_string());
  }
  return std::move(cert).value();
}

Result<void> read_binary_security_token(xmlNode* n, Request& req) {
  const std::optional<std::string> value_type = attribute(n, "", "ValueType");
  if (!value_type) return fail(Errc::kMalformedRequest, "BinarySecurityToken needs a ValueType");
  if (*value_type != uri::kWssX509v3) {
    return fail(Errc::kUnsupported, "only X.509 v3 BinarySecurityTokens are supported");
  }
  const std::optional<std::string> encoding = attribute(n, "", "EncodingType");
  if (encoding && *encoding != uri::kWssBase64Binary) {
    return fail(Errc::kUnsupported, "BinarySecurityToken EncodingType must be Base64Binary");
  }
  BinarySecurityToken bst;
  bst.node = n;
  bst.id = attribute(n, ns::kWsu, "Id").value_or("");
  if (bst.id.empty()) return fail(Errc::kMalformedRequest, "BinarySecurityToken needs a wsu:Id");
  SIGIL_TRY(bst.certificate, read_certificate(n));
  req.binary_security_token = std::move(bst);
  return {};
}

Result<void> read_assertion(xmlNode* n, Request& req) {
  std::optional<std::string> id = attribute(n, "", "ID");
  if (!id || id->empty()) return fail(Errc::kMalformedRequest, "saml2:Assertion has no ID");
  req.header_assertion = n;
  req.header_assertion_id = std::move(*id);
  return {};
}

// wsse:Reference URI="#id" with no ValueType or the X509v3 one.
void classify_reference(const xmlNode* ref, RequestSignature& sig) {
  const std::string target = attribute(ref, "", "URI").value_or("");
  const std::optional<std::string> value_type = attribute(ref, "", "ValueType");
  if (target.size() < 2 || target.front() != '#') return;
  if (value_type && *value_type != uri::kWssX509v3) return;
  sig.key_reference = KeyReferenceKind::kSecurityTokenReference;
  sig.key_reference_target = target.substr(1);
}

// wsse:KeyIdentifier with the SAMLID ValueType, no EncodingType, and the assertion ID as text.
void classify_key_identifier(const xmlNode* ref, RequestSignature& sig) {
  const std::optional<std::string> value_type = attribute(ref, "", "ValueType");
  if (!value_type || *value_type != uri::kWssSamlId || attribute(ref, "", "EncodingType")) return;
  auto text = trimmed_text(ref);
  if (!text || text->empty()) return;
  sig.key_reference = KeyReferenceKind::kSamlId;
  sig.key_reference_target = std::move(*text);
}

// KeyInfo as written: exactly one wsse:SecurityTokenReference holding exactly one wsse:Reference
// or one wsse:KeyIdentifier; everything else (X509Data, KeyValue, ...) is recorded as kOther.
void classify_key_info(const xmlNode* key_info, RequestSignature& sig) {
  sig.key_reference = KeyReferenceKind::kOther;
  auto kids = element_children(key_info);
  if (!kids || kids->size() != 1) return;
  const xmlNode* str = kids->front();
  if (!xml::is_element(str, ns::kWsse, "SecurityTokenReference")) return;
  auto refs = element_children(str);
  if (!refs || refs->size() != 1) return;
  if (xml::is_element(refs->front(), ns::kWsse, "Reference")) {
    classify_reference(refs->front(), sig);
  } else if (xml::is_element(refs->front(), ns::kWsse, "KeyIdentifier")) {
    classify_key_identifier(refs->front(), sig);
  }
}

Result<void> read_signature(xmlNode* n, Request& req) {
  RequestSignature sig;
  sig.node = n;
  sig.id = attribute(n, "", "Id").value_or("");
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  for (const xmlNode* c : kids) {
    if (!xml::is_element(c, ns::kDs, "KeyInfo")) continue;
    if (sig.key_reference != KeyReferenceKind::kNone) {
      sig.key_reference = KeyReferenceKind::kOther;  // two KeyInfo: the verifier refuses anyway
      break;
    }
    classify_key_info(c, sig);
  }
  req.signature = std::move(sig);
  return {};
}

using Reader = Result<void> (*)(xmlNode*, Request&);

struct ChildRule {
  std::string_view ns;
  std::string_view local;
  std::string_view what;
  Reader read;
};

constexpr std::array kRules = {
    ChildRule{ns::kWsu, "Timestamp", "wsu:Timestamp", read_timestamp},
    ChildRule{ns::kWsse, "UsernameToken", "wsse:UsernameToken", read_username_token},
    ChildRule{ns::kWsse, "BinarySecurityToken", "wsse:BinarySecurityToken",
              read_binary_security_token},
    ChildRule{ns::kSaml2, "Assertion", "saml2:Assertion in wsse:Security", read_assertion},
    ChildRule{ns::kDs, "Signature", "ds:Signature in wsse:Security", read_signature},
};

}  // namespace

Result<void> read_security(xmlNode* security, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(security));
  std::array<const xmlNode*, kRules.size()> seen{};
  for (xmlNode* child : kids) {
    size_t i = 0;
    while (i < kRules.size() && !xml::is_element(child, kRules[i].ns, kRules[i].local)) ++i;
    if (i == kRules.size()) {
      return fail(Errc::kUnsupported,
                  "unsupported element <" + element_name(child) + "> in wsse:Security");
    }
    SIGIL_TRY_VOID(check_once(seen[i], kRules[i].what));
    seen[i] = child;
    SIGIL_TRY_VOID(kRules[i].read(child, req));
  }
  return {};
}

}  // namespace sigil::sts::wstrust::detail
