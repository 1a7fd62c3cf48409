#pragma once
// PKCS#12 (.p12/.pfx) files: a private key, its certificate and the chain, under a passphrase.
//
// This is how operators import a certificate their own CA issued, and how sigilctl exports one.
// Files are written with OpenSSL 3's modern algorithms, set explicitly so a change of library
// defaults cannot weaken them: key and certificate bags encrypted with PBES2 (PBKDF2 with
// HMAC-SHA-256, AES-256-CBC), integrity by an HMAC-SHA-256 MAC. Legacy RC2/3DES files can still
// be read where the OpenSSL build allows it.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/handles.hpp"

namespace sigil::crypto {

struct Pkcs12Contents {
  EvpPkeyPtr key;
  X509Ptr certificate;         // the certificate of `key`
  std::vector<X509Ptr> chain;  // any further certificates, in file order
};

/// DER-encoded PKCS#12 of `key`, `cert` and `chain`. The passphrase must not be empty
/// (kInvalidArgument) and `cert` must match `key` (kInvalidArgument). `friendly_name` becomes the
/// bag's alias (what keytool and Windows show); empty leaves it out.
Result<std::vector<std::uint8_t>> write_pkcs12(EVP_PKEY* key, X509* cert,
                                               std::span<const X509Ptr> chain,
                                               std::string_view passphrase,
                                               std::string_view friendly_name = {});

/// Reads a DER PKCS#12. A wrong passphrase is kDecryptFailed; input that is not PKCS#12, or one
/// without a private key and its certificate, is kMalformedRequest.
Result<Pkcs12Contents> read_pkcs12(ByteView der, std::string_view passphrase);

}  // namespace sigil::crypto
