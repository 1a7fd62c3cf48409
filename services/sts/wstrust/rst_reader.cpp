// wst:RequestSecurityToken children. Every child is optional and appears at most once; the
// order is not checked (pyVmomi and govmomi agree on it, other WS-Trust clients need not).
#include "rst_reader.hpp"

#include <array>
#include <string>
#include <string_view>

#include "parse_util.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/tree.hpp"

namespace sigil::sts::wstrust::detail {
namespace {

namespace ns = saml::ns;
namespace uri = saml::uri;

Result<void> read_token_type(xmlNode* n, Request& req) {
  SIGIL_TRY(req.token_type, trimmed_text(n));
  return {};
}

Result<void> read_request_type(xmlNode* n, Request& req) {
  SIGIL_TRY(req.request_type, trimmed_text(n));
  return {};
}

Result<void> read_lifetime(xmlNode* n, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  Lifetime lifetime;
  for (xmlNode* c : kids) {
    const bool created = xml::is_element(c, ns::kWsu, "Created");
    if (!created && !xml::is_element(c, ns::kWsu, "Expires")) {
      return fail(Errc::kMalformedRequest, "unexpected element in wst:Lifetime");
    }
    std::optional<TimePoint>& slot = created ? lifetime.created : lifetime.expires;
    if (slot) return fail(Errc::kMalformedRequest, "wst:Lifetime repeats Created or Expires");
    SIGIL_TRY(slot, read_instant(c, created ? "Lifetime Created" : "Lifetime Expires"));
  }
  if (lifetime.created && lifetime.expires && *lifetime.expires <= *lifetime.created) {
    return fail(Errc::kInvalidTimeRange, "requested Lifetime ends before it starts");
  }
  req.lifetime = lifetime;
  return {};
}

Result<void> read_renewing(xmlNode* n, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  if (!kids.empty()) return fail(Errc::kMalformedRequest, "wst:Renewing must be empty");
  Renewing renewing;
  if (auto allow = attribute(n, "", "Allow")) {
    SIGIL_TRY(renewing.allow, parse_boolean(*allow, "Renewing/@Allow"));
  }
  if (auto ok = attribute(n, "", "OK")) {
    SIGIL_TRY(renewing.ok, parse_boolean(*ok, "Renewing/@OK"));
  }
  req.renewing = renewing;
  return {};
}

Result<void> read_delegatable(xmlNode* n, Request& req) {
  SIGIL_TRY(std::string text, trimmed_text(n));
  SIGIL_TRY(req.delegatable, parse_boolean(text, "wst:Delegatable"));
  return {};
}

Result<void> read_key_type(xmlNode* n, Request& req) {
  SIGIL_TRY(std::string text, trimmed_text(n));
  if (text == uri::kWstKeyTypeBearer) {
    req.key_type = KeyType::kBearer;
  } else if (text == uri::kWstKeyTypePublicKey) {
    req.key_type = KeyType::kPublicKey;
  } else if (text == uri::kWstKeyTypeSymmetricKey) {
    return fail(Errc::kUnsupported, "symmetric proof keys are not supported");
  } else {
    return fail(Errc::kMalformedRequest, "unknown wst:KeyType");
  }
  return {};
}

Result<void> read_signature_algorithm(xmlNode* n, Request& req) {
  SIGIL_TRY(std::string text, trimmed_text(n));
  constexpr std::array<std::string_view, 4> kAllowed = {uri::kRsaSha256, uri::kRsaSha384,
                                                        uri::kRsaSha512, uri::kEcdsaSha256};
  for (std::string_view a : kAllowed) {
    if (text == a) {
      req.signature_algorithm = std::move(text);
      return {};
    }
  }
  return fail(Errc::kUnsupportedAlgorithm, "requested wst:SignatureAlgorithm is not allowed");
}

Result<void> read_use_key(xmlNode* n, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  if (!kids.empty()) {
    return fail(Errc::kUnsupported, "wst:UseKey must name the request signature, not carry a key");
  }
  std::optional<std::string> sig = attribute(n, "", "Sig");
  if (sig && !sig->empty() && sig->front() == '#') sig->erase(0, 1);
  if (!sig || sig->empty()) return fail(Errc::kMalformedRequest, "wst:UseKey needs a Sig");
  req.use_key_sig = std::move(sig);
  return {};
}

Result<void> read_act_as(xmlNode* n, Request& req) {
  SIGIL_TRY(req.act_as, only_assertion_child(n, "wst14:ActAs"));
  return {};
}

Result<void> read_renew_target(xmlNode* n, Request& req) {
  SIGIL_TRY(req.renew_target, only_assertion_child(n, "wst:RenewTarget"));
  return {};
}

Result<void> read_validate_target(xmlNode* n, Request& req) {
  SIGIL_TRY(req.validate_target, only_assertion_child(n, "wst:ValidateTarget"));
  return {};
}

// Primary or Participant: one wsa:EndpointReference with exactly one wsa:Address (Lightwave's
// ParticipantType is restricted to an endpoint reference).
Result<std::string> read_participant(const xmlNode* n) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  if (kids.size() != 1 || !xml::is_element(kids[0], ns::kWsa, "EndpointReference")) {
    return fail(Errc::kUnsupported, "a wst:Participants entry must be one wsa:EndpointReference");
  }
  SIGIL_TRY(std::vector<xmlNode*> epr, element_children(kids[0]));
  if (epr.size() != 1 || !xml::is_element(epr[0], ns::kWsa, "Address")) {
    return fail(Errc::kUnsupported, "wsa:EndpointReference must hold exactly one wsa:Address");
  }
  SIGIL_TRY(std::string address, trimmed_text(epr[0]));
  if (address.empty()) return fail(Errc::kMalformedRequest, "empty wsa:Address in Participants");
  return address;
}

Result<void> read_participants(xmlNode* n, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(n));
  bool primary_seen = false;
  for (const xmlNode* c : kids) {
    const bool primary = xml::is_element(c, ns::kWst, "Primary");
    if (!primary && !xml::is_element(c, ns::kWst, "Participant")) {
      return fail(Errc::kMalformedRequest, "unexpected element in wst:Participants");
    }
    if (primary && primary_seen) {
      return fail(Errc::kMalformedRequest, "wst:Participants has more than one Primary");
    }
    primary_seen = primary_seen || primary;
    SIGIL_TRY(std::string address, read_participant(c));
    req.audience.push_back(std::move(address));
  }
  return {};
}

Result<void> unsupported_child(xmlNode* n, Request&) {
  return fail(Errc::kUnsupported, "wst:" + element_name(n) + " is not supported");
}

using Reader = Result<void> (*)(xmlNode*, Request&);

struct ChildRule {
  std::string_view ns;
  std::string_view local;
  Reader read;
};

// WS-Trust 1.3 elements Sigil does not implement are kUnsupported; anything else is unknown.
constexpr std::array kRules = {
    ChildRule{ns::kWst, "TokenType", read_token_type},
    ChildRule{ns::kWst, "RequestType", read_request_type},
    ChildRule{ns::kWst, "Lifetime", read_lifetime},
    ChildRule{ns::kWst, "Renewing", read_renewing},
    ChildRule{ns::kWst, "Delegatable", read_delegatable},
    ChildRule{ns::kWst, "KeyType", read_key_type},
    ChildRule{ns::kWst, "SignatureAlgorithm", read_signature_algorithm},
    ChildRule{ns::kWst, "UseKey", read_use_key},
    ChildRule{ns::kWst14, "ActAs", read_act_as},
    ChildRule{ns::kWst, "RenewTarget", read_renew_target},
    ChildRule{ns::kWst, "ValidateTarget", read_validate_target},
    ChildRule{ns::kWst, "Participants", read_participants},
    ChildRule{ns::kWst, "BinaryExchange", unsupported_child},
    ChildRule{ns::kWst, "Entropy", unsupported_child},
    ChildRule{ns::kWst, "KeySize", unsupported_child},
    ChildRule{ns::kWst, "OnBehalfOf", unsupported_child},
    ChildRule{ns::kWst, "DelegateTo", unsupported_child},
    ChildRule{ns::kWst, "Claims", unsupported_child},
    ChildRule{ns::kWst, "Encryption", unsupported_child},
    ChildRule{ns::kWst, "ProofEncryption", unsupported_child},
    ChildRule{ns::kWst, "ComputedKeyAlgorithm", unsupported_child},
    ChildRule{ns::kWst, "AuthenticationType", unsupported_child},
    ChildRule{ns::kWst, "CancelTarget", unsupported_child},
    ChildRule{ns::kWst, "Forwardable", unsupported_child},
    ChildRule{ns::kWst, "AllowPostdating", unsupported_child},
};

Result<RequestKind> operation(const std::string& request_type) {
  if (request_type == uri::kWstRequestIssue) return RequestKind::kIssue;
  if (request_type == uri::kWstRequestRenew) return RequestKind::kRenew;
  if (request_type == uri::kWstRequestValidate) return RequestKind::kValidate;
  if (request_type.empty()) return fail(Errc::kMalformedRequest, "wst:RequestType is missing");
  if (request_type == uri::kWstRequestCancel) {
    return fail(Errc::kUnsupported, "Cancel requests are not supported");
  }
  return fail(Errc::kMalformedRequest, "unknown wst:RequestType");
}

Result<void> check_token_type(const Request& req) {
  if (req.token_type.empty()) return {};
  const bool saml2 =
      req.token_type == uri::kTokenTypeSaml2 || req.token_type == uri::kWssTokenTypeSaml2;
  const bool ok = req.kind == RequestKind::kValidate
                      ? saml2 || req.token_type == uri::kWstTokenTypeStatus
                      : saml2;
  if (!ok) return fail(Errc::kUnsupported, "requested wst:TokenType is not supported");
  return {};
}

// Which token container belongs to which operation (Lightwave checkRequest).
Result<void> check_targets(const Request& req) {
  const bool renew = req.kind == RequestKind::kRenew;
  const bool validate = req.kind == RequestKind::kValidate;
  if ((req.renew_target != nullptr) != renew) {
    return fail(Errc::kMalformedRequest, renew ? "Renew needs a wst:RenewTarget"
                                               : "wst:RenewTarget is only allowed in Renew");
  }
  if ((req.validate_target != nullptr) != validate) {
    return fail(Errc::kMalformedRequest, validate
                                             ? "Validate needs a wst:ValidateTarget"
                                             : "wst:ValidateTarget is only allowed in Validate");
  }
  if (req.act_as != nullptr && req.kind != RequestKind::kIssue) {
    return fail(Errc::kMalformedRequest, "wst14:ActAs is only allowed in Issue");
  }
  return {};
}

}  // namespace

Result<void> read_rst(xmlNode* rst, Request& req) {
  SIGIL_TRY(std::vector<xmlNode*> kids, element_children(rst));
  std::array<const xmlNode*, kRules.size()> seen{};
  for (xmlNode* child : kids) {
    size_t i = 0;
    while (i < kRules.size() && !xml::is_element(child, kRules[i].ns, kRules[i].local)) ++i;
    if (i == kRules.size()) {
      return fail(Errc::kMalformedRequest,
                  "unknown element <" + element_name(child) + "> in wst:RequestSecurityToken");
    }
    SIGIL_TRY_VOID(check_once(seen[i], "wst:" + std::string(kRules[i].local)));
    seen[i] = child;
    SIGIL_TRY_VOID(kRules[i].read(child, req));
  }
  SIGIL_TRY(req.kind, operation(req.request_type));
  SIGIL_TRY_VOID(check_token_type(req));
  return check_targets(req);
}

}  // namespace sigil::sts::wstrust::detail
