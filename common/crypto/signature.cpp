// Raw signatures and key/certificate matching (declared in keys.hpp).
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"

namespace sigil::crypto {
namespace {

const EVP_MD* message_digest(Digest digest) {
  switch (digest) {
    case Digest::kSha256:
      return EVP_sha256();
    case Digest::kSha384:
      return EVP_sha384();
    case Digest::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

// A digest-sign or digest-verify context for `key`, with PKCS#1 v1.5 padding for RSA.
Result<EvpMdCtxPtr> start(EVP_PKEY* key, Digest digest, bool signing) {
  int id = EVP_PKEY_get_base_id(key);
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
    return fail(Errc::kUnsupportedAlgorithm,
                "only RSA and ECDSA keys can sign, not " + describe(key).description);
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return crypto_error("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const EVP_MD* md = message_digest(digest);
  int ok = signing ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key)
                   : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key);
  if (ok != 1) return crypto_error(signing ? "EVP_DigestSignInit" : "EVP_DigestVerifyInit");
  if (id == EVP_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return crypto_error("EVP_PKEY_CTX_set_rsa_padding");
  }
  return ctx;
}

}  // namespace

std::string_view digest_name(Digest digest) noexcept {
  switch (digest) {
    case Digest::kSha256:
      return "SHA-256";
    case Digest::kSha384:
      return "SHA-384";
    case Digest::kSha512:
      return "SHA-512";
  }
  return "unknown";
}

bool key_matches_certificate(EVP_PKEY* key, X509* cert) {
  EVP_PKEY* cert_key = X509_get0_pubkey(cert);
  bool match = cert_key != nullptr && EVP_PKEY_eq(key, cert_key) == 1;
  ERR_clear_error();  // a mismatch or an unparseable key is an answer, not an error
  return match;
}

Result<std::vector<std::uint8_t>> sign(EVP_PKEY* key, Digest digest, ByteView data) {
  SIGIL_TRY(EvpMdCtxPtr ctx, start(key, digest, /*signing=*/true));
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return crypto_error("EVP_DigestSign (length)");
  }
  std::vector<std::uint8_t> signature(len);
  if (EVP_DigestSign(ctx.get(), signature.data(), &len, data.data(), data.size()) != 1) {
    return crypto_error("EVP_DigestSign");
  }
  signature.resize(len);  // ECDSA signatures are often shorter than the maximum
  return signature;
}

Result<void> verify(EVP_PKEY* key, Digest digest, ByteView data, ByteView signature) {
  SIGIL_TRY(EvpMdCtxPtr ctx, start(key, digest, /*signing=*/false));
  // 0 is a wrong signature, < 0 one that does not even parse; both mean "invalid".
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) !=
      1) {
    return crypto_error("signature does not verify", Errc::kSignatureInvalid);
  }
  return {};
}

}  // namespace sigil::crypto
