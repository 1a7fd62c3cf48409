#include "sigil/saml/issuer.hpp"

namespace sigil::saml {

std::string issuer_base(std::string_view sts_hostname) {
  return "https://" + std::string(sts_hostname);
}

std::string tenant_issuer(std::string_view base, std::string_view tenant) {
  return std::string(base) + "/websso/SAML2/Metadata/" + std::string(tenant);
}

}  // namespace sigil::saml
