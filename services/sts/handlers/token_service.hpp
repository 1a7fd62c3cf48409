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
// ActAs needs a signed request by an acting solution user of ActAsUsers and a delegable token.
// Renew needs a holder-of-key token with renewals left, signed by its own key. Tokens derived
// from tokens follow token_policy.hpp (docs/delegation.md). Validate answers valid/invalid.
//
// The policy (who may have which token, for how long, signed with which key) is TokenCore's;
// this class is the WS-Trust adapter: it parses the RST, checks the WS-Security Timestamp and
// request signature, and renders the RSTR.
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

#include "sts/handlers/token_core.hpp"
#include "sts/wstrust/request.hpp"

namespace sigil::sts::handlers {

class TokenService {
 public:
  explicit TokenService(TokenCore& core) : core_(core) {}

  Result<std::string> handle(std::string_view tenant, std::string_view body,
                             std::string_view soap_action, X509* tls_client_certificate);

  std::string issuer_for(std::string_view tenant) const { return core_.issuer_for(tenant); }

 private:
  struct Context;
  Result<std::string> issue(Context& ctx, X509* tls_client_certificate);
  Result<std::string> renew(Context& ctx);
  Result<std::string> validate(Context& ctx);
  Result<Authenticated> authenticate(Context& ctx, X509* tls_client_certificate);
  Result<Authenticated> authenticate_by_token(Context& ctx, xmlNode* assertion);

  TokenCore& core_;
};

}  // namespace sigil::sts::handlers
