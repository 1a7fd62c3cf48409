#include "sigil/crypto/password.hpp"

#include <charconv>
#include <cstdint>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include "sigil/crypto/crypto_error.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/random.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::crypto {
namespace {

struct ScryptParams {
  unsigned log2_n = 15;
  std::uint32_t r = 8;
  std::uint32_t p = 1;
};

constexpr ScryptParams kDefaultParams;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kHashSize = 32;
constexpr std::size_t kMaxPassword = 1024;
constexpr std::uint64_t kMaxMemory = 256ULL * 1024 * 1024;

// The hash of a random password nobody knows, at kDefaultParams (for dummy_verify).
constexpr std::string_view kDummyHash =
    "$scrypt$ln=15,r=8,p=1$n4ebVSfbVQVVhtY+t975Ww$K+/utJ8tNzEUg+4B/I0xTPuQT3eUa3mMM3XdthuMkUM";

// The memory OpenSSL's scrypt needs: 128 * r * (N + 2) for V plus 128 * r * p for B.
std::uint64_t scrypt_memory(const ScryptParams& sp) {
  return 128ULL * sp.r * ((std::uint64_t{1} << sp.log2_n) + 2) + 128ULL * sp.r * sp.p;
}

Result<SecretBytes> derive(std::string_view password, ByteView salt, const ScryptParams& sp,
                           std::size_t size) {
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SCRYPT, nullptr));
  if (!kdf) return crypto_error("EVP_KDF_fetch(SCRYPT)");
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return crypto_error("EVP_KDF_CTX_new");
  std::uint64_t n = std::uint64_t{1} << sp.log2_n;
  std::uint32_t r = sp.r;
  std::uint32_t p = sp.p;
  std::uint64_t maxmem = scrypt_memory(sp);
  // OSSL_PARAM takes non-const pointers but only reads inputs.
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes out(size);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return crypto_error("scrypt");
  }
  return out;
}

// PHC strings use base64 without padding.
std::string b64_unpadded(ByteView bytes) {
  std::string s = base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

Result<std::vector<std::uint8_t>> b64_unpadded_decode(std::string_view text) {
  if (text.find_first_of("= \t\r\n") != std::string_view::npos) {
    return fail(Errc::kMalformedRequest, "malformed password hash", "unexpected padding");
  }
  std::string padded(text);
  padded.append((4 - padded.size() % 4) % 4, '=');
  return base64_decode(padded);
}

bool parse_uint(std::string_view text, std::string_view name, std::uint32_t& out) {
  if (!text.starts_with(name) || text.size() <= name.size()) return false;
  text.remove_prefix(name.size());
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "ln=15,r=8,p=1"
Result<ScryptParams> parse_params(std::string_view text) {
  std::size_t c1 = text.find(',');
  std::size_t c2 = c1 == std::string_view::npos ? c1 : text.find(',', c1 + 1);
  std::uint32_t ln = 0;
  ScryptParams sp;
  if (c2 == std::string_view::npos || !parse_uint(text.substr(0, c1), "ln=", ln) ||
      !parse_uint(text.substr(c1 + 1, c2 - c1 - 1), "r=", sp.r) ||
      !parse_uint(text.substr(c2 + 1), "p=", sp.p)) {
    return fail(Errc::kMalformedRequest, "malformed password hash", "bad scrypt parameters");
  }
  sp.log2_n = ln;
  if (ln < 1 || ln > 20 || sp.r < 1 || sp.r > 32 || sp.p < 1 || sp.p > 16 ||
      scrypt_memory(sp) > kMaxMemory) {
    return fail(Errc::kMalformedRequest, "malformed password hash",
                "scrypt parameters out of range: " + std::string(text));
  }
  return sp;
}

struct ParsedHash {
  ScryptParams params;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

Result<ParsedHash> parse_encoded(std::string_view encoded) {
  constexpr std::string_view kScheme = "$scrypt$";
  if (!encoded.starts_with(kScheme)) {
    return fail(Errc::kMalformedRequest, "malformed password hash", "not $scrypt$");
  }
  std::string_view rest = encoded.substr(kScheme.size());
  std::size_t d1 = rest.find('$');
  std::size_t d2 = d1 == std::string_view::npos ? d1 : rest.find('$', d1 + 1);
  if (d2 == std::string_view::npos || rest.find('$', d2 + 1) != std::string_view::npos) {
    return fail(Errc::kMalformedRequest, "malformed password hash", "expected 5 fields");
  }
  ParsedHash out;
  SIGIL_TRY(out.params, parse_params(rest.substr(0, d1)));
  SIGIL_TRY(out.salt, b64_unpadded_decode(rest.substr(d1 + 1, d2 - d1 - 1)));
  SIGIL_TRY(out.hash, b64_unpadded_decode(rest.substr(d2 + 1)));
  if (out.salt.size() < 8 || out.salt.size() > 64 || out.hash.size() < 16 || out.hash.size() > 64) {
    return fail(Errc::kMalformedRequest, "malformed password hash", "bad salt or hash length");
  }
  return out;
}

Result<void> check_password_size(std::string_view password) {
  if (password.size() > kMaxPassword) {
    return fail(Errc::kPayloadTooLarge, "password is too long");
  }
  return {};
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  SIGIL_TRY_VOID(check_password_size(password));
  SIGIL_TRY(std::vector<std::uint8_t> salt, random_bytes(kSaltSize));
  SIGIL_TRY(SecretBytes hash, derive(password, salt, kDefaultParams, kHashSize));
  return "$scrypt$ln=" + std::to_string(kDefaultParams.log2_n) +
         ",r=" + std::to_string(kDefaultParams.r) + ",p=" + std::to_string(kDefaultParams.p) + "$" +
         b64_unpadded(salt) + "$" + b64_unpadded(hash.span());
}

Result<bool> verify_password(std::string_view password, std::string_view encoded) {
  SIGIL_TRY_VOID(check_password_size(password));
  SIGIL_TRY(ParsedHash parsed, parse_encoded(encoded));
  SIGIL_TRY(SecretBytes hash, derive(password, parsed.salt, parsed.params, parsed.hash.size()));
  return ct_equal(hash.span(), parsed.hash);
}

void dummy_verify(std::string_view password) {
  // Only the time spent matters; the answer is always "no" and errors are irrelevant.
  (void)verify_password(password.substr(0, kMaxPassword), kDummyHash);
}

}  // namespace sigil::crypto
