#include "sigil/crypto/crypto_error.hpp"

#include <array>

#include <openssl/err.h>

namespace sigil::crypto {

std::string drain_openssl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      out += " (";
      out += data;
      out += ")";
    }
  }
  return out;
}

sigil::Unexpected<Error> crypto_error(std::string_view what, Errc code) {
  return sigil::fail(code, std::string(what), drain_openssl_errors());
}

}  // namespace sigil::crypto
