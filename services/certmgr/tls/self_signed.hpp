#pragma once
// A self-signed HTTPS server certificate, ready to store: a new key, the certificate
// (extendedKeyUsage serverAuth, keyUsage digitalSignature [+ keyEncipherment for RSA], backdated
// a few minutes for clients whose clock is behind) and the key sealed with the master key under
// db::server_cert_aad(hostname). Used by the admin API's `server-cert self-signed` and by the
// scheduler's first-start bootstrap of the default certificate (docs/tls.md).
//
// Thread-safety: a pure function of its arguments.

#include <chrono>
#include <string>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/server_cert_store.hpp"

namespace sigil::certmgr::tls {

struct SelfSignedRequest {
  std::string hostname;  ///< '' = the default certificate; else the hostname it is stored under
  crypto::DistinguishedName subject;
  std::vector<std::string> dns_names;  ///< subjectAltName DNS names
  crypto::KeyType key_type = crypto::KeyType::kEcdsaP256;
  std::chrono::hours validity{24 * 365};
};

struct SelfSigned {
  db::NewServerCert row;  ///< certificate, sealed key, validity; self_signed = true
  crypto::CertInfo info;  ///< subject, fingerprint, validity of the new certificate
};

/// kMalformedRequest when the certificate cannot be made (an invalid name, ...).
Result<SelfSigned> make_self_signed(const SelfSignedRequest& request,
                                    const crypto::MasterKey& master_key, TimePoint now);

}  // namespace sigil::certmgr::tls
