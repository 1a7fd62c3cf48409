#pragma once
// The XML namespaces and URIs of SAML 2.0, XML-DSig, WS-Security and WS-Trust 1.3 that Sigil
// reads and writes, spelled once. Values from docs/reference/wstrust.md §0.
//
// Thread-safety: constants.

#include <string_view>

namespace sigil::saml::ns {

inline constexpr std::string_view kSaml2 = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr std::string_view kXs = "http://www.w3.org/2001/XMLSchema";
inline constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr std::string_view kDs = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr std::string_view kDelegation = "urn:oasis:names:tc:SAML:2.0:conditions:delegation";
inline constexpr std::string_view kRsa = "http://www.rsa.com/names/2009/12/std-ext/SAML2.0";
inline constexpr std::string_view kSoap = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::string_view kWst = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
inline constexpr std::string_view kWst14 = "http://docs.oasis-open.org/ws-sx/ws-trust/200802";
inline constexpr std::string_view kWsse =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
inline constexpr std::string_view kWsse11 =
    "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";
inline constexpr std::string_view kWsu =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

}  // namespace sigil::saml::ns

namespace sigil::saml::uri {

inline constexpr std::string_view kEnvelopedSignature =
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
inline constexpr std::string_view kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr std::string_view kRsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
inline constexpr std::string_view kEcdsaSha256 =
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
inline constexpr std::string_view kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
inline constexpr std::string_view kSha512 = "http://www.w3.org/2001/04/xmlenc#sha512";

inline constexpr std::string_view kNameIdEntity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
inline constexpr std::string_view kNameIdUpn = "http://schemas.xmlsoap.org/claims/UPN";
inline constexpr std::string_view kCmBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
inline constexpr std::string_view kCmHolderOfKey = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
inline constexpr std::string_view kAttrNameFormatUri =
    "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";

inline constexpr std::string_view kAcPassword =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
inline constexpr std::string_view kAcXmlDsig = "urn:oasis:names:tc:SAML:2.0:ac:classes:XMLDSig";
inline constexpr std::string_view kAcPreviousSession =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession";
inline constexpr std::string_view kAcTlsClient = "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient";

inline constexpr std::string_view kAttrGroups = "http://rsa.com/schemas/attr-names/2009/01/GroupIdentity";
inline constexpr std::string_view kAttrGivenName =
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
inline constexpr std::string_view kAttrSurname =
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
inline constexpr std::string_view kAttrSubjectType =
    "http://vmware.com/schemas/attr-names/2011/07/isSolution";
// Sigil's own attribute: AssertionSpec::chain_not_on_or_after (docs/delegation.md).
inline constexpr std::string_view kAttrChainNotOnOrAfter =
    "urn:sigil:saml:attribute:chain-not-on-or-after";
inline constexpr std::string_view kAttrChainNotOnOrAfterFriendly = "ChainNotOnOrAfter";

}  // namespace sigil::saml::uri

// WS-Trust 1.3 / WS-Security values used on the wire by services/sts/wstrust
// (docs/reference/wstrust.md §0-§2).
namespace sigil::saml::ns {

inline constexpr std::string_view kWsa = "http://www.w3.org/2005/08/addressing";

}  // namespace sigil::saml::ns

namespace sigil::saml::uri {

inline constexpr std::string_view kRsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";

inline constexpr std::string_view kWstRequestIssue =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
inline constexpr std::string_view kWstRequestRenew =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew";
inline constexpr std::string_view kWstRequestValidate =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Validate";
inline constexpr std::string_view kWstRequestCancel =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel";
inline constexpr std::string_view kWstActionIssue =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
inline constexpr std::string_view kWstActionRenew =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Renew";
inline constexpr std::string_view kWstActionValidate =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Validate";
inline constexpr std::string_view kWstKeyTypeBearer =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer";
inline constexpr std::string_view kWstKeyTypePublicKey =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey";
inline constexpr std::string_view kWstKeyTypeSymmetricKey =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey";
inline constexpr std::string_view kWstTokenTypeStatus =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status";
inline constexpr std::string_view kWstStatusValid =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/status/valid";
inline constexpr std::string_view kWstStatusInvalid =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/status/invalid";
// TokenType as pyVmomi and govmomi send it, and the WSS SAML token profile's name for it.
inline constexpr std::string_view kTokenTypeSaml2 = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr std::string_view kWssTokenTypeSaml2 =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
inline constexpr std::string_view kWssSamlId =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID";
inline constexpr std::string_view kWssX509v3 =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
inline constexpr std::string_view kWssBase64Binary =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
inline constexpr std::string_view kWssPasswordText =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
inline constexpr std::string_view kWssPasswordDigest =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

}  // namespace sigil::saml::uri
