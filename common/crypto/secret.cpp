#include "sigil/crypto/secret.hpp"

#include <algorithm>
#include <utility>

#include <openssl/crypto.h>

namespace sigil::crypto {

SecretBytes::SecretBytes(std::size_t n)
    : data_(n == 0 ? nullptr : std::make_unique<std::uint8_t[]>(n)), size_(n) {}

SecretBytes::SecretBytes(std::span<const std::uint8_t> bytes) : SecretBytes(bytes.size()) {
  std::copy(bytes.begin(), bytes.end(), data_.get());
}

SecretBytes::~SecretBytes() { clear(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    clear();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::clear() noexcept {
  if (data_ != nullptr) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

SecretString::SecretString(std::string_view text) : buf_(text.size() + 1) {
  std::copy(text.begin(), text.end(), reinterpret_cast<char*>(buf_.data()));
}

}  // namespace sigil::crypto
