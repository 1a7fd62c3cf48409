#pragma once
// Internal: the DER bytes of a certificate ("" when it cannot be encoded).
//
// Thread-safety: pure function; the certificate is only read.

#include <string>

#include <openssl/x509.h>

namespace sigil::xml::detail {

inline std::string cert_der(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(cert, &p) != len) return {};
  return der;
}

}  // namespace sigil::xml::detail
