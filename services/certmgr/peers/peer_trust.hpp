#pragma once
// Who a peer is (docs/peers.md "Trust model").
//
// Our side: PeerIdentity is this certmgr's *peer client certificate*: an ECDSA P-256 key made in
// memory at start and a certificate for it from the deployment's built-in CA (CN "sigil-peer
// <hostname>", EKU clientAuth, 30 days), never stored; renewed when a third of its lifetime is
// left. It authenticates our TLS connections to peers and signs every record we send.
//
// Their side: a peer is registered with its trust bundle (`sigilctl peer identity` on the
// other deployment): its deployment CA certificate plus the certificate its admin listener
// serves. The whole bundle is trusted to verify the peer's listener when we connect (server
// authentication); only its CA certificates (basicConstraints CA:TRUE, self-signed) are
// anchors for the client certificate a peer presents to us, which must also carry EKU
// clientAuth.
//
// Thread-safety: PeerIdentity's accessors and refresh may be called from several threads (a
// mutex guards the current certificate); the free functions are pure.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/ca/builtin_ca.hpp"

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/secret.hpp"
#include "sigil/db/connection.hpp"

namespace sigil::certmgr::peers {

inline constexpr std::chrono::hours kClientCertValidity{24 * 30};

/// A peer trust bundle as `peer add --ca` accepts it: PEM certificates, at least one a CA.
/// kInvalidArgument saying what is wrong.
Result<void> check_trust_bundle(std::string_view pem);

/// kAuthFailed unless `client` chains (directly) to a CA certificate of `bundle_pem` valid at
/// `at` and carries EKU clientAuth.
Result<void> verify_peer_client(X509* client, std::string_view bundle_pem, TimePoint at);

/// base64(ECDSA/RSA-SHA256 signature of `body` by `key`).
Result<std::string> sign_body(EVP_PKEY* key, std::string_view body);
/// kSignatureInvalid unless `signature_b64` is `cert`'s key's signature of `body`.
Result<void> verify_body(X509* cert, std::string_view body, std::string_view signature_b64);

/// The current peer client certificate and key.
struct ClientCredential {
  std::string certificate_pem;  ///< leaf
  crypto::SecretString key_pem;
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string certificate_der_b64;
  TimePoint not_before;
  TimePoint not_after;
};

class PeerIdentity {
 public:
  PeerIdentity(db::ConnectionPool& pool, const crypto::MasterKey& master_key, const Clock& clock,
               ca::CaOptions ca_options, std::string hostname);

  /// Issues a certificate when there is none or a third of its lifetime is left. The CA is
  /// created if the deployment has none yet.
  Result<void> refresh();
  /// The current credential (null before the first successful refresh).
  std::shared_ptr<const ClientCredential> current() const;  // shared with in-flight pushes

 private:
  db::ConnectionPool& pool_;
  const crypto::MasterKey& master_key_;
  const Clock& clock_;
  const ca::CaOptions ca_options_;
  const std::string hostname_;
  mutable std::mutex mu_;
  std::shared_ptr<const ClientCredential> current_;
};

}  // namespace sigil::certmgr::peers
