#pragma once
// The Issuer (and SAML entityID) of a tenant's tokens, spelled as vCenter's STS spells it:
// `https://<sts hostname>/websso/SAML2/Metadata/<tenant>` (docs/wstrust.md). sigil-sts writes it
// into every token and its metadata; sigil-certmgr requires it of an administrator's token
// (docs/admin-api.md). Both build it here, so the two cannot drift apart.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

namespace sigil::saml {

// "https://<sts_hostname>": the base of the issuer and of the URLs in SAML metadata.
std::string issuer_base(std::string_view sts_hostname);

// `<base>/websso/SAML2/Metadata/<tenant>`, `base` being an issuer_base().
std::string tenant_issuer(std::string_view base, std::string_view tenant);

}  // namespace sigil::saml
