#pragma once
// The deployment's built-in certificate authority (like vCenter's VMCA): a root key and a
// self-signed CA certificate created at first start, its key sealed with the master key in
// `ca_certificates`, and the issuer of the tenants' token-signing certificates.
//
//   auto ca = db::transact(pool, "load CA", [&](auto& tx) {
//     return ensure_ca(tx, master_key, clock, {}, &created); });
//   auto issued = issue_signing_certificate(*ca, {"vsphere.local"}, clock);
//
// Signing certificates: subject CN "<tenant> token signing" (truncated to 64 characters),
// O "Sigil", keyUsage digitalSignature only, not a CA, valid from 10 minutes ago (clocks
// differ) for `validity` (default 10 years), never beyond the CA's own notAfter. The chain
// stored with a key is the leaf then the CA certificate.
//
// The CA key's envelope AAD is ca_key_aad(sha256 of the CA certificate's DER): a ciphertext
// moved onto another CA row does not open.
//
// Thread-safety: pure functions over their arguments; a BuiltinCa may be shared read-only.

#include <chrono>
#include <string>
#include <string_view>

#include <pqxx/dbtransaction>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/db/signing_key_store.hpp"

namespace sigil::ca {

/// Certificates start this long before they are issued (clocks differ).
inline constexpr std::chrono::minutes kBackdate{10};
inline constexpr std::chrono::hours kDefaultCaValidity{24 * 365 * 20 + 24 * 5};
inline constexpr std::chrono::hours kDefaultSigningValidity{24 * 365 * 10 + 24 * 2};

struct CaOptions {
  crypto::KeyType key_type = crypto::KeyType::kRsa3072;
  std::chrono::hours validity = kDefaultCaValidity;
  std::string common_name = "Sigil built-in CA";
  std::string organization = "Sigil";
};

struct BuiltinCa {
  crypto::X509Ptr cert;
  crypto::EvpPkeyPtr key;
  std::string certificate_pem;
  std::string sha256;  ///< lower-case hex of the certificate's DER
  TimePoint not_before;
  TimePoint not_after;
};

/// "ca=deployment;sha256=<hex>".
std::string ca_key_aad(std::string_view certificate_sha256);

/// The deployment's active CA, created (and stored in `tx`) when there is none; `*created`
/// says which. kDecryptFailed when the CA key does not open with `master_key`.
Result<BuiltinCa> ensure_ca(pqxx::dbtransaction& tx, const crypto::MasterKey& master_key,
                            const Clock& clock, const CaOptions& options, bool* created);

struct SigningCertRequest {
  std::string tenant;
  crypto::KeyType key_type = crypto::KeyType::kRsa2048;
  std::chrono::hours validity = kDefaultSigningValidity;
};

struct IssuedSigningCert {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string chain_pem;  ///< leaf, then the CA certificate
  std::string sha256;     ///< lower-case hex of the leaf's DER
  TimePoint not_before;
  TimePoint not_after;
};

/// A new key of request.key_type and its certificate, signed by `ca`.
/// kInvalidTimeRange when the CA expires before the certificate would start.
Result<IssuedSigningCert> issue_signing_certificate(const BuiltinCa& ca,
                                                    const SigningCertRequest& request,
                                                    const Clock& clock);

/// A signing key for `tenant` (its name as stored), issued by the deployment's CA (created
/// first if there is none, in `tx`) and sealed for storage: the row KeySetStore::add_pending,
/// rotate or activate takes (source builtin-ca, chain = leaf + CA). Used by certmgr's renewal
/// and by sigilctl (tenant create, signing-cert add/refresh).
Result<db::NewSigningKey> new_signing_key(pqxx::dbtransaction& tx,
                                          const crypto::MasterKey& master_key, const Clock& clock,
                                          const CaOptions& ca_options,
                                          std::string_view tenant, std::int64_t tenant_id,
                                          crypto::KeyType key_type, std::chrono::hours validity);

}  // namespace sigil::ca
