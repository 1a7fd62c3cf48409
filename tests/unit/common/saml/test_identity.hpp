#pragma once
// A throw-away signing identity (key + self-signed certificate) for SAML tests.

#include <chrono>
#include <string>

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::saml::testing {

struct TestIdentity {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string cert_b64;
};

inline TestIdentity make_test_identity(crypto::KeyType type, std::string cn = "sts signing") {
  TestIdentity id;
  id.key = *crypto::generate_key(type);
  crypto::CertRequest req;
  req.subject.common_name = std::move(cn);
  req.subject_key = id.key.get();
  req.issuer_key = id.key.get();
  req.not_before = std::chrono::system_clock::now() - std::chrono::hours{24 * 400};
  req.not_after = req.not_before + std::chrono::hours{24 * 3650};
  req.key_usage.digital_signature = true;
  id.cert = std::move(*crypto::issue_certificate(req));
  id.cert_b64 = crypto::base64_encode(*crypto::write_certificate_der(id.cert.get()));
  return id;
}

}  // namespace sigil::saml::testing
