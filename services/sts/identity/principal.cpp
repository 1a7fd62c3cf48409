#include "sts/identity/principal.hpp"

#include <algorithm>
#include <utility>

#include "sigil/base/ascii.hpp"
#include "sigil/saml/names.hpp"

namespace sigil::sts::identity {
namespace {

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

saml::Attribute attribute(std::string_view friendly_name, std::string_view name,
                          std::vector<std::string> values) {
  saml::Attribute a;
  a.friendly_name = std::string(friendly_name);
  a.name = std::string(name);
  a.values = std::move(values);
  return a;
}

}  // namespace

std::vector<saml::Attribute> token_attributes(const Principal& principal) {
  std::vector<saml::Attribute> out;
  out.push_back(attribute("Groups", saml::uri::kAttrGroups, principal.groups));
  if (principal.first_name) {
    out.push_back(attribute("givenName", saml::uri::kAttrGivenName, {*principal.first_name}));
  }
  if (principal.last_name) {
    out.push_back(attribute("surname", saml::uri::kAttrSurname, {*principal.last_name}));
  }
  out.push_back(attribute("Subject Type", saml::uri::kAttrSubjectType,
                          {principal.is_solution_user ? "true" : "false"}));
  return out;
}

bool in_group(const Principal& principal, std::string_view group) {
  const std::string qualified = principal.tenant + "\\" + std::string(group);
  return std::any_of(principal.groups.begin(), principal.groups.end(),
                     [&](const std::string& g) { return equal_ignoring_ascii_case(g, qualified); });
}

std::string make_upn(std::string_view name, std::string_view tenant) {
  std::string upn(name);
  upn += '@';
  for (char c : tenant) upn += ascii_upper(c);
  return upn;
}

std::vector<std::string> qualified_groups(const std::vector<std::string>& stored,
                                          std::string_view tenant) {
  const std::string prefix = std::string(tenant) + "\\";
  std::vector<std::string> out;
  out.reserve(stored.size() + 1);
  bool has_everyone = false;
  for (const std::string& g : stored) {
    has_everyone = has_everyone || equal_ignoring_ascii_case(g, kEveryoneGroup);
    out.push_back(prefix + g);
  }
  if (!has_everyone) out.push_back(prefix + std::string(kEveryoneGroup));
  return out;
}

LoginName parse_login_name(std::string_view text) {
  LoginName login;
  if (const auto slash = text.find('\\'); slash != std::string_view::npos) {
    login.domain = std::string(text.substr(0, slash));
    login.name = std::string(text.substr(slash + 1));
  } else if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    login.name = std::string(text.substr(0, at));
    login.domain = std::string(text.substr(at + 1));
  } else {
    login.name = std::string(text);
  }
  return login;
}

}  // namespace sigil::sts::identity
