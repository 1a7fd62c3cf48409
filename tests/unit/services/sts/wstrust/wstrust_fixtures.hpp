#pragma once
// RST requests byte for byte in the shapes the clients send (docs/reference/wstrust.md §2):
//   py_*  pyVmomi 7.0 pyVim/sso.py. Bearer requests are its `_canonicalize` output (exc-c14n
//         with blank text removed, so empty elements are start/end pairs); signed requests are
//         lxml re-serialisations of that (empty elements self-closed), with the ds:Signature
//         appended to wsse:Security; ActAs inserts `ns4:ActAs` (200802) and a prefixed UseKey;
//         token-by-token keeps the newlines around the assertion and signs with rsa-sha512.
//   go_*  govmomi 0.24 sts: the unsigned form is encoding/xml with default namespaces (no
//         Delegatable when false); the signed form is Signer.Sign's template (References
//         Timestamp then Body, xmlns:ds repeated on SignedInfo, empty elements as pairs).
// Real govmomi captures live in data/govmomi-0.24 (see capture.go.txt there).
//
// Thread-safety: pure functions.

#include <initializer_list>
#include <string>
#include <string_view>

#include "sigil/saml/names.hpp"
#include "wstrust_test_support.hpp"

namespace sigil::sts::wstrust::test {

namespace ns = saml::ns;
namespace uri = saml::uri;

inline std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

// Times of every fixture: a 60 s Timestamp and a 10 min Lifetime.
inline constexpr std::string_view kTsCreated = "2026-01-02T10:00:00.123Z";
inline constexpr std::string_view kTsExpires = "2026-01-02T10:01:00.123Z";
inline constexpr std::string_view kLifeCreated = "2026-01-02T10:00:00.123Z";
inline constexpr std::string_view kLifeExpires = "2026-01-02T10:10:00.123Z";
inline constexpr std::string_view kGoXmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// A one-line assertion in the shape of docs/reference/wstrust.md §3.3 (its own signature is not
/// checked here).
inline std::string test_assertion(std::string_view id) {
  return cat({R"(<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" )",
              R"(xmlns:xs="http://www.w3.org/2001/XMLSchema" )",
              R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID=")", id,
              R"(" IssueInstant="2026-01-02T09:59:00.456Z" Version="2.0">)",
              R"(<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">)",
              "https://sts.example/websso/SAML2/Metadata/vsphere.local</saml2:Issuer>",
              R"(<saml2:Subject><saml2:NameID Format="http://schemas.xmlsoap.org/claims/UPN">)",
              "Administrator@VSPHERE.LOCAL</saml2:NameID>",
              R"(<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">)",
              R"(<saml2:SubjectConfirmationData NotOnOrAfter="2026-01-02T10:20:00.456Z">)",
              "</saml2:SubjectConfirmationData></saml2:SubjectConfirmation></saml2:Subject>",
              R"(<saml2:Conditions NotBefore="2026-01-02T09:59:00.456Z" )",
              R"(NotOnOrAfter="2026-01-02T10:20:00.456Z"><saml2:ProxyRestriction Count="10">)",
              "</saml2:ProxyRestriction></saml2:Conditions></saml2:Assertion>"});
}

// ---- pyVmomi 7.0 ----------------------------------------------------------------------------

inline std::string py_timestamp(std::string_view id = "_ts1") {
  return cat({R"(<ns3:Timestamp xmlns:ns3=")", ns::kWsu, R"(" ns3:Id=")", id, R"(">)",
              "<ns3:Created>", kTsCreated, "</ns3:Created><ns3:Expires>", kTsExpires,
              "</ns3:Expires></ns3:Timestamp>"});
}

inline std::string py_bst(const TestSigner& signer) {
  return cat({R"(<ns2:BinarySecurityToken xmlns:ns1=")", ns::kWsu, R"(" xmlns:ns2=")", ns::kWsse,
              R"(" EncodingType=")", uri::kWssBase64Binary, R"(" ValueType=")", uri::kWssX509v3,
              R"(" ns1:Id="_bst1">)", signer.cert_b64, "</ns2:BinarySecurityToken>"});
}

/// The Body of PY requests; `lxml` = re-serialised by lxml (self-closed empty elements).
inline std::string py_body(std::string_view key_type, bool lxml, std::string_view middle = {},
                           std::string_view use_key = {}) {
  const std::string renewing = lxml ? R"(<Renewing Allow="false" OK="false"/>)"
                                    : R"(<Renewing Allow="false" OK="false"></Renewing>)";
  return cat({R"(<SOAP-ENV:Body xmlns:wsu=")",
              ns::kWsu,
              R"(" wsu:Id="_body1">)",
              R"(<RequestSecurityToken xmlns=")",
              ns::kWst,
              R"(">)",
              "<TokenType>",
              uri::kTokenTypeSaml2,
              "</TokenType><RequestType>",
              uri::kWstRequestIssue,
              R"(</RequestType><Lifetime><ns3:Created xmlns:ns3=")",
              ns::kWsu,
              R"(">)",
              kLifeCreated,
              R"(</ns3:Created><ns3:Expires xmlns:ns3=")",
              ns::kWsu,
              R"(">)",
              kLifeExpires,
              "</ns3:Expires></Lifetime>",
              renewing,
              "<Delegatable>false</Delegatable>",
              middle,
              "<KeyType>",
              key_type,
              "</KeyType><SignatureAlgorithm>",
              uri::kRsaSha256,
              "</SignatureAlgorithm>",
              use_key,
              "</RequestSecurityToken></SOAP-ENV:Body>"});
}

inline std::string py_envelope(std::string_view security, std::string_view body) {
  return cat({R"(<SOAP-ENV:Envelope xmlns:SOAP-ENV=")", ns::kSoap, R"("><SOAP-ENV:Header>)",
              security, "</SOAP-ENV:Header>", body, "</SOAP-ENV:Envelope>"});
}

/// get_bearer_saml_assertion: `username`/`password` as they appear on the wire (escaped).
inline std::string py_bearer(std::string_view username, std::string_view password) {
  return py_envelope(cat({R"(<ns6:Security xmlns:ns6=")", ns::kWsse, R"(">)", py_timestamp(),
                          R"(<ns2:UsernameToken xmlns:ns2=")", ns::kWsse, R"("><ns2:Username>)",
                          username, "</ns2:Username><ns2:Password>", password,
                          "</ns2:Password></ns2:UsernameToken></ns6:Security>"}),
                     py_body(uri::kWstKeyTypeBearer, false));
}

inline SignatureSpec py_bst_spec() {
  SignatureSpec spec;
  spec.reference_ids = {"_body1", "_ts1"};
  spec.id = "_sig1";
  spec.key_info = cat({R"(<ns2:SecurityTokenReference xmlns:ns2=")", ns::kWsse,
                       R"("><ns2:Reference URI="#_bst1" ValueType=")", uri::kWssX509v3,
                       R"("/></ns2:SecurityTokenReference>)"});
  spec.self_closing = true;
  return spec;
}

/// get_hok_saml_assertion without ActAs, before signing ("@SIGNATURE@" marks the signature).
inline std::string py_hok_unsigned(const TestSigner& signer) {
  return py_envelope(cat({R"(<ns6:Security xmlns:ns6=")", ns::kWsse, R"(">)", py_timestamp(),
                          py_bst(signer), "@SIGNATURE@</ns6:Security>"}),
                     py_body(uri::kWstKeyTypePublicKey, true, {}, R"(<UseKey Sig="_sig1"/>)"));
}

/// get_hok_saml_assertion with act_as_token (ACTAS_REQUEST_TEMPLATE after lxml), unsigned.
inline std::string py_act_as_unsigned(const TestSigner& signer, std::string_view token) {
  const std::string act_as =
      cat({R"(<ns4:ActAs xmlns:ns4=")", ns::kWst14, R"(">)", token, "</ns4:ActAs>"});
  const std::string use_key = cat({R"(<ns3:UseKey xmlns:ns3=")", ns::kWst, R"(" Sig="_sig1"/>)"});
  std::string body = py_body(uri::kWstKeyTypePublicKey, true, act_as, use_key);
  body = replace_all(body, "<Delegatable>false", "<Delegatable>true");
  return py_envelope(cat({R"(<ns6:Security xmlns:ns6=")", ns::kWsse, R"(">)", py_timestamp(),
                          py_bst(signer), "@SIGNATURE@</ns6:Security>"}),
                     body);
}

inline SignatureSpec py_samlid_spec(std::string_view assertion_id) {
  SignatureSpec spec;
  spec.alg = SigAlg::kRsaSha512;
  spec.reference_ids = {"_body1", "_ts1"};
  spec.key_info =
      cat({R"(<ns2:SecurityTokenReference xmlns:ns2=")", ns::kWsse, R"(" xmlns:wsse11=")",
           ns::kWsse11, R"(" wsse11:TokenType=")", uri::kWssTokenTypeSaml2,
           R"("><ns2:KeyIdentifier ValueType=")", uri::kWssSamlId, R"(">)", assertion_id,
           "</ns2:KeyIdentifier></ns2:SecurityTokenReference>"});
  spec.self_closing = true;
  return spec;
}

/// get_token_by_token (add_saml_context), unsigned: assertion, Timestamp, then the signature.
inline std::string py_token_by_token_unsigned(std::string_view assertion) {
  return py_envelope(cat({R"(<ns5:Security xmlns:ns5=")", ns::kWsse, R"(">)", "\n", assertion, "\n",
                          py_timestamp(), "@SIGNATURE@</ns5:Security>"}),
                     py_body(uri::kWstKeyTypePublicKey, true));
}

// ---- govmomi 0.24 ---------------------------------------------------------------------------

inline std::string go_timestamp(std::string_view id = "_ts1") {
  return cat({R"(<wsu:Timestamp xmlns:wsu=")", ns::kWsu, R"(" wsu:Id=")", id, R"(">)",
              "<wsu:Created>", kTsCreated, "</wsu:Created><wsu:Expires>", kTsExpires,
              "</wsu:Expires></wsu:Timestamp>"});
}

/// Client.Issue with Userinfo only: unsigned, default namespaces, no Delegatable.
inline std::string go_bearer(std::string_view username, std::string_view password) {
  return cat({kGoXmlHeader,
              R"(<Envelope xmlns=")",
              ns::kSoap,
              R"("><Header xmlns=")",
              ns::kSoap,
              R"("><wsse:Security xmlns:wsse=")",
              ns::kWsse,
              R"(" xmlns:wsu=")",
              ns::kWsu,
              R"(">)",
              go_timestamp(),
              "<wsse:UsernameToken><wsse:Username>",
              username,
              "</wsse:Username><wsse:Password>",
              password,
              "</wsse:Password></wsse:UsernameToken></wsse:Security></Header><Body>",
              R"(<RequestSecurityToken xmlns=")",
              ns::kWst,
              R"("><TokenType>)",
              uri::kTokenTypeSaml2,
              "</TokenType><RequestType>",
              uri::kWstRequestIssue,
              R"(</RequestType><Lifetime><Created xmlns=")",
              ns::kWsu,
              R"(">)",
              kLifeCreated,
              R"(</Created><Expires xmlns=")",
              ns::kWsu,
              R"(">)",
              kLifeExpires,
              R"(</Expires></Lifetime><Renewing Allow="false" OK="false"></Renewing>)",
              "<KeyType>",
              uri::kWstKeyTypeBearer,
              "</KeyType><SignatureAlgorithm>",
              uri::kRsaSha256,
              "</SignatureAlgorithm></RequestSecurityToken></Body></Envelope>"});
}

inline std::string go_lifetime() {
  return cat({"<Lifetime><wsu:Created>", kLifeCreated, "</wsu:Created><wsu:Expires>", kLifeExpires,
              "</wsu:Expires></Lifetime>"});
}

/// RST children of a signed Issue (HoK); `act_as` goes between Delegatable and KeyType.
inline std::string go_issue_rst(std::string_view act_as = {}) {
  return cat({"<TokenType>", uri::kTokenTypeSaml2, "</TokenType><RequestType>",
              uri::kWstRequestIssue, "</RequestType>", go_lifetime(),
              R"(<Renewing Allow="false" OK="false"></Renewing><Delegatable>true</Delegatable>)",
              act_as, "<KeyType>", uri::kWstKeyTypePublicKey, "</KeyType><SignatureAlgorithm>",
              uri::kRsaSha256, R"(</SignatureAlgorithm><UseKey Sig="_sig1"></UseKey>)"});
}

/// RST children of Client.Renew: UseKey then RenewTarget.
inline std::string go_renew_rst(std::string_view token) {
  return cat({"<TokenType>", uri::kTokenTypeSaml2, "</TokenType><RequestType>",
              uri::kWstRequestRenew, "</RequestType>", go_lifetime(),
              R"(<UseKey Sig="_sig1"></UseKey><RenewTarget>)", token, "</RenewTarget>"});
}

/// Signer.Sign with a certificate, before signing; `extra` follows the BST (UsernameToken).
inline std::string go_signed_unsigned(const TestSigner& signer, std::string_view rst,
                                      std::string_view extra = {}) {
  return cat({kGoXmlHeader,
              R"(<soap:Envelope xmlns:soap=")",
              ns::kSoap,
              R"("><soap:Header><wsse:Security xmlns:wsse=")",
              ns::kWsse,
              R"(" xmlns:wsu=")",
              ns::kWsu,
              R"(">)",
              go_timestamp(),
              R"(<wsse:BinarySecurityToken EncodingType=")",
              uri::kWssBase64Binary,
              R"(" ValueType=")",
              uri::kWssX509v3,
              R"(" wsu:Id="_bst1">)",
              signer.cert_b64,
              "</wsse:BinarySecurityToken>",
              extra,
              "@SIGNATURE@</wsse:Security></soap:Header>",
              R"(<soap:Body xmlns:soap=")",
              ns::kSoap,
              R"(" xmlns:wsu=")",
              ns::kWsu,
              R"(" wsu:Id="_body1">)",
              R"(<RequestSecurityToken xmlns=")",
              ns::kWst,
              R"(">)",
              rst,
              "</RequestSecurityToken></soap:Body></soap:Envelope>"});
}

inline SignatureSpec go_spec() {
  SignatureSpec spec;
  spec.reference_ids = {"_ts1", "_body1"};
  spec.id = "_sig1";
  spec.key_info = cat({R"(<wsse:SecurityTokenReference><wsse:Reference URI="#_bst1" ValueType=")",
                       uri::kWssX509v3, R"("></wsse:Reference></wsse:SecurityTokenReference>)"});
  spec.signed_info_xmlns = true;
  return spec;
}

inline std::string go_hok(const TestSigner& signer, SigAlg alg = SigAlg::kRsaSha256) {
  SignatureSpec spec = go_spec();
  spec.alg = alg;
  return sign_envelope(go_signed_unsigned(signer, go_issue_rst()), signer.key.get(), spec);
}

/// Validate (no client sends it; WS-Trust §7 shape), with a Timestamp only.
inline std::string validate_request(std::string_view token) {
  return cat({R"(<soap:Envelope xmlns:soap=")", ns::kSoap,
              R"("><soap:Header><wsse:Security xmlns:wsse=")", ns::kWsse, R"(">)", go_timestamp(),
              "</wsse:Security></soap:Header><soap:Body>",
              R"(<wst:RequestSecurityToken xmlns:wst=")", ns::kWst, R"("><wst:TokenType>)",
              uri::kWstTokenTypeStatus, "</wst:TokenType><wst:RequestType>",
              uri::kWstRequestValidate, "</wst:RequestType><wst:ValidateTarget>", token,
              "</wst:ValidateTarget></wst:RequestSecurityToken></soap:Body></soap:Envelope>"});
}

}  // namespace sigil::sts::wstrust::test
