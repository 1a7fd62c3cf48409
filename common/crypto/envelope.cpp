#include "sigil/crypto/envelope.hpp"

#include <openssl/evp.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/random.hpp"

namespace sigil::crypto {
namespace {

constexpr std::string_view kPrefix = "sigil-env-v1:";
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kDataKeySize = 32;
constexpr std::size_t kWrapSize = kNonceSize + kDataKeySize + kTagSize;
constexpr std::size_t kMinPayload = kWrapSize + kNonceSize + kTagSize;
// Far above any key; keeps lengths within the int that OpenSSL takes.
constexpr std::size_t kMaxPlaintext = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kKeyIdSize = 3 + 16;  // "mk-" + 16 hex digits

using MutableBytes = std::span<std::uint8_t>;

struct GcmInput {
  ByteView key;
  ByteView nonce;
  ByteView aad;
};

Result<EvpCipherCtxPtr> start_gcm(const GcmInput& in, bool encrypt) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return crypto_error("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, in.key.data(), in.nonce.data(),
                        encrypt ? 1 : 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &len, in.aad.data(), static_cast<int>(in.aad.size())) !=
          1) {
    return crypto_error("starting AES-256-GCM");
  }
  return ctx;
}

// AES-256-GCM encryption of `plaintext` into `out` (same size) and `tag`.
Result<void> gcm_seal(const GcmInput& in, ByteView plaintext, MutableBytes out, MutableBytes tag) {
  SIGIL_TRY(EvpCipherCtxPtr ctx, start_gcm(in, /*encrypt=*/true));
  int len = 0;
  if (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return crypto_error("EVP_EncryptUpdate");
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    return crypto_error("finishing AES-256-GCM");
  }
  return {};
}

// AES-256-GCM decryption; any modification of key, nonce, aad, ciphertext or tag fails here.
Result<void> gcm_open(const GcmInput& in, ByteView ciphertext, ByteView tag, MutableBytes out) {
  SIGIL_TRY(EvpCipherCtxPtr ctx, start_gcm(in, /*encrypt=*/false));
  int len = 0;
  if (!ciphertext.empty() && EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext.data(),
                                               static_cast<int>(ciphertext.size())) != 1) {
    return crypto_error("EVP_DecryptUpdate");
  }
  // EVP_CTRL_GCM_SET_TAG only reads the tag; the API is not const-correct.
  auto* tag_bytes = const_cast<std::uint8_t*>(tag.data());
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          tag_bytes) != 1) {
    return crypto_error("EVP_CTRL_GCM_SET_TAG");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) != 1) {
    return crypto_error("envelope authentication failed (modified data or wrong aad)",
                        Errc::kDecryptFailed);
  }
  return {};
}

bool valid_key_id(std::string_view id) {
  if (id.size() != kKeyIdSize || !id.starts_with("mk-")) return false;
  return id.substr(3).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string_view key_id_part(std::string_view envelope) {
  if (!envelope.starts_with(kPrefix)) return {};
  std::string_view rest = envelope.substr(kPrefix.size());
  std::string_view id = rest.substr(0, rest.find(':'));
  if (id.size() == rest.size() || !valid_key_id(id)) return {};
  return id;
}

sigil::Unexpected<Error> malformed(std::string detail) {
  return fail(Errc::kMalformedRequest, "malformed envelope", std::move(detail));
}

}  // namespace

std::string master_key_id_of(std::string_view envelope) {
  return std::string(key_id_part(envelope));
}

Result<std::string> seal(const MasterKey& master_key, ByteView plaintext, std::string_view aad) {
  if (plaintext.size() > kMaxPlaintext || aad.size() > kMaxPlaintext) {
    return fail(Errc::kPayloadTooLarge, "envelope plaintext or aad is too large");
  }
  std::string header = std::string(kPrefix) + master_key.id_ + ":";
  std::string full_aad = header + std::string(aad);
  SecretBytes data_key(kDataKeySize);
  SIGIL_TRY_VOID(random_fill(data_key.mutable_span()));

  std::vector<std::uint8_t> payload(kMinPayload + plaintext.size());
  MutableBytes wrap = MutableBytes(payload).first(kWrapSize);
  MutableBytes data = MutableBytes(payload).subspan(kWrapSize);
  SIGIL_TRY_VOID(random_fill(wrap.first(kNonceSize)));
  SIGIL_TRY_VOID(random_fill(data.first(kNonceSize)));
  SIGIL_TRY_VOID(gcm_seal({master_key.key_.span(), wrap.first(kNonceSize), bytes_of(full_aad)},
                          data_key.span(), wrap.subspan(kNonceSize, kDataKeySize),
                          wrap.last(kTagSize)));
  SIGIL_TRY_VOID(gcm_seal({data_key.span(), data.first(kNonceSize), bytes_of(full_aad)}, plaintext,
                          data.subspan(kNonceSize, plaintext.size()), data.last(kTagSize)));
  return header + base64_encode(payload);
}

Result<SecretBytes> open(const MasterKey& master_key, std::string_view envelope,
                         std::string_view aad) {
  std::string_view id = key_id_part(envelope);
  if (id.empty()) return malformed("expected sigil-env-v1:<master key id>:<base64>");
  if (id != master_key.id_) {
    return fail(Errc::kDecryptFailed, "envelope was sealed with master key " + std::string(id) +
                                          ", but the loaded master key is " + master_key.id_);
  }
  std::size_t header_size = kPrefix.size() + id.size() + 1;
  auto payload = base64_decode(envelope.substr(header_size));
  if (!payload) return malformed(payload.error().to_string());
  if (payload->size() < kMinPayload) return malformed("payload too short");
  std::string full_aad = std::string(envelope.substr(0, header_size)) + std::string(aad);

  ByteView wrap = ByteView(*payload).first(kWrapSize);
  ByteView data = ByteView(*payload).subspan(kWrapSize);
  SecretBytes data_key(kDataKeySize);
  SIGIL_TRY_VOID(gcm_open({master_key.key_.span(), wrap.first(kNonceSize), bytes_of(full_aad)},
                          wrap.subspan(kNonceSize, kDataKeySize), wrap.last(kTagSize),
                          data_key.mutable_span()));
  std::size_t size = data.size() - kNonceSize - kTagSize;
  SecretBytes plaintext(size);
  SIGIL_TRY_VOID(gcm_open({data_key.span(), data.first(kNonceSize), bytes_of(full_aad)},
                          data.subspan(kNonceSize, size), data.last(kTagSize),
                          plaintext.mutable_span()));
  return plaintext;
}

Result<std::string> seal_private_key(const MasterKey& master_key, EVP_PKEY* key,
                                     std::string_view aad) {
  SIGIL_TRY(SecretBytes der, write_private_key_der(key));
  return seal(master_key, der.span(), aad);
}

Result<EvpPkeyPtr> open_private_key(const MasterKey& master_key, std::string_view envelope,
                                    std::string_view aad) {
  SIGIL_TRY(SecretBytes der, open(master_key, envelope, aad));
  return read_private_key_der(der.span());
}

}  // namespace sigil::crypto
