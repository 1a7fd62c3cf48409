#include "sigil/crypto/pkcs12.hpp"

#include <string>

#include <openssl/pkcs12.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/secret.hpp"

#include "bio_util.hpp"

namespace sigil::crypto {
namespace {

constexpr int kIterations = PKCS12_DEFAULT_ITER;  // 2048, what `openssl pkcs12 -export` uses
constexpr int kNoMac = -1;                        // PKCS12_create: leave the MAC to us

Result<X509StackPtr> to_stack(std::span<const X509Ptr> certs) {
  X509StackPtr stack(sk_X509_new_null());
  if (!stack) return crypto_error("sk_X509_new_null");
  for (const X509Ptr& cert : certs) {
    X509Ptr owner = share(cert.get());
    if (sk_X509_push(stack.get(), owner.get()) == 0) return crypto_error("sk_X509_push");
    (void)owner.release();  // sk_X509_push took ownership
  }
  return stack;
}

Result<std::vector<std::uint8_t>> to_der(PKCS12* p12) {
  int len = i2d_PKCS12(p12, nullptr);
  if (len <= 0) return crypto_error("i2d_PKCS12");
  std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  if (i2d_PKCS12(p12, &out) != len) return crypto_error("i2d_PKCS12");
  return der;
}

Result<Pkcs12Ptr> parse_der(ByteView der) {
  if (der.size() > detail::kMaxEncodedInput) {
    return fail(Errc::kPayloadTooLarge, "PKCS#12 input is too large");
  }
  const unsigned char* p = der.data();
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) return crypto_error("not a PKCS#12 file", Errc::kMalformedRequest);
  if (p != der.data() + der.size()) {
    return fail(Errc::kMalformedRequest, "trailing bytes after the PKCS#12 structure");
  }
  return p12;
}

}  // namespace

Result<std::vector<std::uint8_t>> write_pkcs12(EVP_PKEY* key, X509* cert,
                                               std::span<const X509Ptr> chain,
                                               std::string_view passphrase,
                                               std::string_view friendly_name) {
  if (passphrase.empty()) return fail(Errc::kInvalidArgument, "a PKCS#12 needs a passphrase");
  if (key == nullptr || cert == nullptr || !key_matches_certificate(key, cert)) {
    return fail(Errc::kInvalidArgument, "the PKCS#12 certificate does not match its key");
  }
  SecretString pass(passphrase);  // NUL-terminated for OpenSSL
  std::string name(friendly_name);
  SIGIL_TRY(X509StackPtr ca, to_stack(chain));
  Pkcs12Ptr p12(PKCS12_create(pass.c_str(), name.empty() ? nullptr : name.c_str(), key, cert,
                              ca.get(), NID_aes_256_cbc, NID_aes_256_cbc, kIterations, kNoMac, 0));
  if (!p12) return crypto_error("PKCS12_create");
  if (PKCS12_set_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size()), nullptr, 0,
                     kIterations, EVP_sha256()) != 1) {
    return crypto_error("PKCS12_set_mac");
  }
  return to_der(p12.get());
}

Result<Pkcs12Contents> read_pkcs12(ByteView der, std::string_view passphrase) {
  SIGIL_TRY(Pkcs12Ptr p12, parse_der(der));
  SecretString pass(passphrase);
  if (PKCS12_mac_present(p12.get()) == 1 &&
      PKCS12_verify_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size())) != 1) {
    return crypto_error("wrong PKCS#12 passphrase", Errc::kDecryptFailed);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  int ok = PKCS12_parse(p12.get(), pass.c_str(), &key, &cert, &ca);
  Pkcs12Contents out{EvpPkeyPtr(key), X509Ptr(cert), {}};  // PKCS12_parse's outputs are ours
  X509StackPtr chain(ca);
  if (ok != 1) return crypto_error("cannot decrypt the PKCS#12 contents", Errc::kDecryptFailed);
  if (!out.key || !out.certificate) {
    return fail(Errc::kMalformedRequest, "the PKCS#12 lacks a private key or its certificate");
  }
  while (sk_X509_num(chain.get()) > 0) {
    out.chain.emplace_back(sk_X509_shift(chain.get()));  // shift hands over the reference
  }
  return out;
}

}  // namespace sigil::crypto
