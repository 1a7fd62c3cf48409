#pragma once
// The WS-Trust token service: Issue, Renew and Validate as vCenter's STS does them
// (wstrust-contract.md), over the protocol layer (sts/wstrust), the identity source and the
// tenant's key set.
//
// Credentials accepted for Issue, first match wins:
//   - a WS-Security signature by a BinarySecurityToken certificate: with a UsernameToken the
//     subject is that user (password checked) and the certificate the proof key (govmomi's
//     "HoK token for an interactive user"); without, the solution user owning the certificate;
//   - a WS-Security signature by the key of a holder-of-key SAML token in the header (token by
//     token): same subject, new token;
//   - a UsernameToken alone: bearer tokens only;
//   - a TLS client certificate (mTLS) of a solution user: bearer or holder-of-key.
// ActAs needs a signed request by the acting solution user and a delegable token. Renew needs a
// holder-of-key token with renewals left, signed by its own key. Validate answers valid/invalid.
//
// handle() returns the SOAP response body, or the Error to answer with as a fault. kNotFound
// means an unknown tenant (HTTP 404, no fault).
//
// Thread-safety: thread-safe; handle() is synchronous and slow (database, scrypt, RSA): run it on
// the blocking pool.

#include <string>
#include <string_view>

#include <libxml/tree.h>
#include <openssl/x509.h>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"
#include "sigil/metrics/registry.hpp"
#include "sigil/saml/validator.hpp"
#include "sts/handlers/key_cache.hpp"
#include "sts/identity/identity_source.hpp"

namespace sigil::sts::handlers {

struct TokenServiceOptions {
  // Tokens name their issuer `<issuer_base>/websso/SAML2/Metadata/<tenant>`, as vCenter does.
  std::string issuer_base = "https://localhost";
};

class TokenService {
 public:
  TokenService(identity::IdentitySource& identity, KeyCache& keys, const Clock& clock,
               const log::Logger& log, metrics::Registry& metrics, TokenServiceOptions options);

  Result<std::string> handle(std::string_view tenant, std::string_view body,
                             std::string_view soap_action, X509* tls_client_certificate);

  std::string issuer_for(std::string_view tenant) const;

 private:
  struct Context;
  struct Authenticated;
  Result<std::string> issue(Context& ctx, X509* tls_client_certificate);
  Result<std::string> renew(Context& ctx);
  Result<std::string> validate(Context& ctx);
  Result<Authenticated> authenticate(Context& ctx, X509* tls_client_certificate);
  Result<Authenticated> authenticate_by_token(Context& ctx, xmlNode* assertion);
  Result<saml::ValidatedAssertion> validate_token(const Context& ctx, xmlNode* assertion) const;

  identity::IdentitySource& identity_;
  KeyCache& keys_;
  const Clock& clock_;
  const log::Logger& log_;
  metrics::CounterFamily& issued_;
  metrics::CounterFamily& validations_;
  TokenServiceOptions options_;
};

}  // namespace sigil::sts::handlers
