#include "sigil/crypto/keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "sigil/crypto/crypto_error.hpp"

#include "bio_util.hpp"

namespace sigil::crypto {
namespace {

constexpr std::array kKeyTypes = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kEcdsaP256};

// What the PEM reader asked for. The callback never prompts: without a passphrase it returns 0.
struct PassphraseRequest {
  std::string_view passphrase;
  bool asked = false;
};

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* user) {
  auto* request = static_cast<PassphraseRequest*>(user);
  request->asked = true;
  std::string_view pass = request->passphrase;
  if (pass.empty() || size < 0 || pass.size() > static_cast<std::size_t>(size)) return 0;
  std::copy(pass.begin(), pass.end(), buf);
  return static_cast<int>(pass.size());
}

KeyInfo describe_ec(const EVP_PKEY* key) {
  KeyInfo info;
  info.algorithm = KeyAlgorithm::kEc;
  info.bits = EVP_PKEY_get_bits(key);
  std::array<char, 80> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     &len) == 1) {
    const char* nist = EC_curve_nid2nist(OBJ_txt2nid(group.data()));
    info.curve = nist != nullptr ? nist : std::string(group.data(), len);
  }
  std::string compact = info.curve;
  std::erase(compact, '-');
  info.description = "ECDSA-" + (compact.empty() ? std::string("unknown") : compact);
  if (info.curve == "P-256") info.type = KeyType::kEcdsaP256;
  return info;
}

}  // namespace

std::string_view key_type_name(KeyType type) noexcept {
  switch (type) {
    case KeyType::kRsa2048:
      return "RSA-2048";
    case KeyType::kRsa3072:
      return "RSA-3072";
    case KeyType::kEcdsaP256:
      return "ECDSA-P256";
  }
  return "unknown";
}

Result<KeyType> parse_key_type(std::string_view name) {
  for (KeyType t : kKeyTypes) {
    if (key_type_name(t) == name) return t;
  }
  return fail(Errc::kUnsupportedAlgorithm, "unsupported key type \"" + std::string(name) +
                                               "\" (expected RSA-2048, RSA-3072 or ECDSA-P256)");
}

KeyInfo describe(const EVP_PKEY* key) {
  KeyInfo info;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      info.algorithm = KeyAlgorithm::kRsa;
      info.bits = EVP_PKEY_get_bits(key);
      info.description = "RSA-" + std::to_string(info.bits);
      if (info.bits == 2048) info.type = KeyType::kRsa2048;
      if (info.bits == 3072) info.type = KeyType::kRsa3072;
      break;
    case EVP_PKEY_EC:
      info = describe_ec(key);
      break;
    default: {
      const char* name = EVP_PKEY_get0_type_name(key);
      info.bits = EVP_PKEY_get_bits(key);
      info.description = name != nullptr ? name : "unknown";
      std::ranges::transform(info.description, info.description.begin(),
                             [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    }
  }
  ERR_clear_error();  // describing never fails; drop whatever a parameter lookup left behind
  return info;
}

Result<EvpPkeyPtr> generate_key(KeyType type) {
  EVP_PKEY* key = nullptr;
  switch (type) {
    case KeyType::kRsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
      break;
    case KeyType::kRsa3072:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072});
      break;
    case KeyType::kEcdsaP256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
  }
  if (key == nullptr) {
    return crypto_error("generating a " + std::string(key_type_name(type)) + " key");
  }
  return EvpPkeyPtr(key);
}

Result<SecretString> write_private_key_pem(EVP_PKEY* key) {
  SIGIL_TRY(BioPtr bio, detail::write_bio());
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return crypto_error("PEM_write_bio_PKCS8PrivateKey");
  }
  return SecretString(detail::bio_contents(bio.get()));
}

Result<EvpPkeyPtr> read_private_key_pem(std::string_view pem, std::string_view passphrase) {
  SIGIL_TRY(BioPtr bio, detail::read_bio(pem));
  PassphraseRequest request{passphrase};
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &request));
  if (key) return key;
  if (request.asked && passphrase.empty()) {
    return crypto_error("the private key PEM is encrypted and no passphrase was given",
                        Errc::kInvalidArgument);
  }
  if (request.asked) {
    return crypto_error("cannot decrypt the private key PEM (wrong passphrase?)",
                        Errc::kDecryptFailed);
  }
  return crypto_error("not a PEM private key", Errc::kMalformedRequest);
}

Result<SecretBytes> write_private_key_der(EVP_PKEY* key) {
  Pkcs8PrivKeyInfoPtr p8(EVP_PKEY2PKCS8(key));
  if (!p8) return crypto_error("EVP_PKEY2PKCS8");
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (len <= 0) return crypto_error("i2d_PKCS8_PRIV_KEY_INFO");
  SecretBytes der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &out) != len) {
    return crypto_error("i2d_PKCS8_PRIV_KEY_INFO");
  }
  return der;
}

Result<EvpPkeyPtr> read_private_key_der(ByteView der) {
  if (der.size() > detail::kMaxEncodedInput) {
    return fail(Errc::kPayloadTooLarge, "private key DER is too large");
  }
  const unsigned char* p = der.data();
  Pkcs8PrivKeyInfoPtr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8) return crypto_error("not a PKCS#8 private key", Errc::kMalformedRequest);
  if (p != der.data() + der.size()) {
    return fail(Errc::kMalformedRequest, "trailing bytes after the PKCS#8 private key");
  }
  EvpPkeyPtr key(EVP_PKCS82PKEY(p8.get()));
  if (!key) return crypto_error("unusable PKCS#8 private key", Errc::kMalformedRequest);
  return key;
}

Result<std::string> write_public_key_pem(EVP_PKEY* key) {
  SIGIL_TRY(BioPtr bio, detail::write_bio());
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) return crypto_error("PEM_write_bio_PUBKEY");
  return std::string(detail::bio_contents(bio.get()));
}

Result<EvpPkeyPtr> read_public_key_pem(std::string_view pem) {
  SIGIL_TRY(BioPtr bio, detail::read_bio(pem));
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, detail::no_passphrase_callback, nullptr));
  if (!key) return crypto_error("not a PEM public key", Errc::kMalformedRequest);
  return key;
}

}  // namespace sigil::crypto
