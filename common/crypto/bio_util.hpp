#pragma once
// Private helpers of sigil_crypto: memory BIOs over caller buffers and back to strings.
//
// Thread-safety: pure functions.

#include <climits>
#include <cstddef>
#include <string>
#include <string_view>

#include <openssl/bio.h>

#include "sigil/base/result.hpp"
#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::crypto::detail {

// Far above any key, certificate, bundle or PKCS#12 Sigil handles; keeps lengths within int.
inline constexpr std::size_t kMaxEncodedInput = std::size_t{16} * 1024 * 1024;

// A PEM password callback that never prompts. PEM readers fall back to an interactive terminal
// prompt when given nullptr and the input claims to be encrypted, so always pass this instead.
inline int no_passphrase_callback(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return 0;
}

// A read-only memory BIO over `data` (no copy; `data` must outlive the BIO).
inline Result<BioPtr> read_bio(std::string_view data) {
  if (data.size() > kMaxEncodedInput) {
    return fail(Errc::kPayloadTooLarge, "encoded input is too large",
                std::to_string(data.size()) + " bytes");
  }
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return crypto_error("BIO_new_mem_buf");
  return bio;
}

inline Result<BioPtr> write_bio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return crypto_error("BIO_new");
  return bio;
}

// The contents of a memory BIO. (Memory BIOs wipe their buffer when freed.)
inline std::string_view bio_contents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return {data, static_cast<std::size_t>(len)};
}

}  // namespace sigil::crypto::detail
