#pragma once
// Parsing of a WS-Trust 1.3 RequestSecurityToken (RST) SOAP 1.1 request, in the shapes pyVmomi
// 7.0 (pyVim/sso.py) and govmomi 0.24 (sts package) send (docs/reference/wstrust.md §1-§2),
// under the rules of docs/reference/threats.md §2: one parse of the untrusted bytes
// (xml::parse_untrusted: no DOCTYPE, no entities, limits), then strict shape checks before any
// cryptography:
//   - Envelope (SOAP 1.1) / Header? / Body, nothing else; exactly one wst:RequestSecurityToken in
//     the Body; elements are matched by namespace URI and local name only;
//   - every ID value (ID, Id, wsu:Id, xml:id) is unique in the whole document;
//   - RST children are all optional but known, each at most once; unknown ones are refused;
//   - wst:RequestType decides the operation; the SOAPAction header and a wsa:Action header, when
//     present, must agree with it;
//   - the wsse:Security header holds at most one of each: Timestamp, UsernameToken,
//     BinarySecurityToken (X509v3), saml2:Assertion and ds:Signature.
// Nothing here authenticates anyone or verifies a signature: see security.hpp. The caller decides
// policy (who may do what, lifetimes) from the typed fields.
//
// Errors: kMalformedRequest (shape), kPayloadTooLarge (parser limits), kUnsupported (well-formed
// but not something Sigil does: PasswordDigest, BinaryExchange/GSS, SymmetricKey, Cancel, ...),
// kUnsupportedAlgorithm (a weak SignatureAlgorithm asked for), kInvalidTimeRange (Lifetime whose
// Expires is not after Created).
//
// Thread-safety: parse_request is reentrant (it needs a live xml::XmlSecLibrary). A Request is
// used by one thread at a time.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/secret.hpp"
#include "sigil/xml/handles.hpp"
#include "sigil/xml/parser.hpp"

namespace sigil::sts::wstrust {

/// The operation, decided by wst:RequestType.
enum class RequestKind { kIssue, kRenew, kValidate };

/// wst:KeyType: what the issued token is confirmed with.
enum class KeyType { kBearer, kPublicKey };

/// wst:Lifetime as requested; both children are optional in WS-Trust.
struct Lifetime {
  std::optional<TimePoint> created;
  std::optional<TimePoint> expires;
};

/// wst:Renewing. WS-Trust defaults: Allow = true, OK = false when the attribute is absent.
struct Renewing {
  bool allow = true;
  bool ok = false;
};

/// wsu:Timestamp, a direct child of wsse:Security. Both Created and Expires are required.
struct Timestamp {
  xmlNode* node = nullptr;
  std::string id;  // wsu:Id, "" when absent (then no signature can cover it)
  TimePoint created;
  TimePoint expires;
};

/// wsse:UsernameToken with a plain-text password (no Type, or the PasswordText type).
struct UsernameToken {
  std::string username;
  crypto::SecretString password;
};

/// wsse:BinarySecurityToken carrying one X.509 v3 certificate (DER, base64).
struct BinarySecurityToken {
  xmlNode* node = nullptr;
  std::string id;  // wsu:Id (required)
  crypto::X509Ptr certificate;
};

/// What the ds:Signature's KeyInfo names, exactly as written; judged by signer_reference().
enum class KeyReferenceKind {
  kNone,                    // no KeyInfo
  kSecurityTokenReference,  // KeyInfo/wsse:SecurityTokenReference/wsse:Reference URI="#..."
  kSamlId,                  // KeyInfo/wsse:SecurityTokenReference/wsse:KeyIdentifier (SAMLID)
  kOther,                   // anything else (X509Data, KeyValue, several children, ...)
};

/// ds:Signature, a direct child of wsse:Security. Parsed for shape only; not verified.
struct RequestSignature {
  xmlNode* node = nullptr;
  std::string id;  // the unqualified Id attribute, "" when absent (pyVmomi token-by-token)
  KeyReferenceKind key_reference = KeyReferenceKind::kNone;
  // kSecurityTokenReference: the referenced wsu:Id without '#'; kSamlId: the assertion ID.
  std::string key_reference_target;
};

/// A parsed RST request. It owns the document: every xmlNode* below points into `doc` and is
/// valid exactly as long as this Request (moving a Request keeps them valid, since the xmlDoc
/// itself does not move). Read claims only through these pointers, never by searching `doc`
/// again. Note that libxml2 does not wipe freed memory: the password text also lives in `doc`
/// until the Request is destroyed.
struct Request {
  xml::XmlDocPtr doc;
  RequestKind kind = RequestKind::kIssue;
  std::string soap_action;  // the SOAPAction header without surrounding quotes; "" when none

  // SOAP structure.
  xmlNode* envelope = nullptr;
  xmlNode* header = nullptr;  // S:Header, nullptr when absent
  xmlNode* body = nullptr;    // S:Body, the Envelope's one and only Body
  xmlNode* rst = nullptr;     // wst:RequestSecurityToken, the Body's only element child
  std::string wsa_action;     // wsa:Action header text, "" when absent

  // RequestSecurityToken children (all optional on the wire).
  std::string token_type;    // wst:TokenType, "" when absent
  std::string request_type;  // wst:RequestType URI (required)
  std::optional<Lifetime> lifetime;
  std::optional<Renewing> renewing;
  std::optional<bool> delegatable;
  std::optional<KeyType> key_type;
  std::string signature_algorithm;         // wst:SignatureAlgorithm, "" when absent
  std::optional<std::string> use_key_sig;  // wst:UseKey/@Sig, a leading '#' removed
  xmlNode* act_as = nullptr;               // the saml2:Assertion inside wst14:ActAs (200802)
  xmlNode* renew_target = nullptr;         // the saml2:Assertion inside wst:RenewTarget
  xmlNode* validate_target = nullptr;      // the saml2:Assertion inside wst:ValidateTarget
  std::vector<std::string> audience;       // wst:Participants Primary/Participant wsa:Address

  // wsse:Security header (all optional).
  xmlNode* security = nullptr;
  std::optional<Timestamp> timestamp;
  std::optional<UsernameToken> username_token;
  std::optional<BinarySecurityToken> binary_security_token;
  xmlNode* header_assertion = nullptr;  // saml2:Assertion in wsse:Security (token-by-token)
  std::string header_assertion_id;      // its ID attribute
  std::optional<RequestSignature> signature;
};

/// The SOAPAction header value that belongs to `kind` (".../RST/Issue", ...).
std::string_view soap_action_for(RequestKind kind) noexcept;

/// Parses and shape-checks one RST request (see the header comment). `soap_action_header` is the
/// raw SOAPAction header value, quoted or not, "" when the header is absent.
Result<Request> parse_request(std::string_view http_body, std::string_view soap_action_header,
                              const xml::ParseLimits& limits);

}  // namespace sigil::sts::wstrust
