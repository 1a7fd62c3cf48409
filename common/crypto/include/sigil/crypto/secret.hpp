#pragma once
// SecretBytes and SecretString: owners of key material and passwords that wipe themselves.
//
// Both are fixed-size buffers on the heap, wiped with OPENSSL_cleanse when destroyed. They are
// move-only (moving hands over the buffer, so no copy is left behind, unlike std::string's small
// buffer) and deliberately have no operator<<, so a secret cannot end up in a log line by
// accident. Use them for anything that would hurt if it leaked: private keys in PKCS#8 form,
// master keys, data keys, passwords and passphrases.
//
// Thread-safety: plain value types; concurrent reads are safe, writes need external locking.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace sigil::crypto {

/// A fixed-size byte buffer that is cleansed on destruction.
class SecretBytes {
 public:
  SecretBytes() = default;
  /// `n` zero bytes, to be filled through mutable_span().
  explicit SecretBytes(std::size_t n);
  /// A copy of `bytes`. The caller remains responsible for wiping the source.
  explicit SecretBytes(std::span<const std::uint8_t> bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const std::uint8_t* data() const noexcept { return data_.get(); }
  std::uint8_t* data() noexcept { return data_.get(); }
  std::span<const std::uint8_t> span() const noexcept { return {data_.get(), size_}; }
  std::span<std::uint8_t> mutable_span() noexcept { return {data_.get(), size_}; }

  /// Wipes the contents and leaves an empty buffer.
  void clear() noexcept;

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

/// A text secret (password, passphrase, PEM private key) that is cleansed on destruction.
/// The buffer always keeps a terminating NUL, so c_str() can be handed to OpenSSL.
class SecretString {
 public:
  SecretString() = default;
  /// A copy of `text`. The caller remains responsible for wiping the source.
  explicit SecretString(std::string_view text);

  std::size_t size() const noexcept { return buf_.empty() ? 0 : buf_.size() - 1; }
  bool empty() const noexcept { return size() == 0; }
  std::string_view view() const noexcept { return {c_str(), size()}; }
  const char* c_str() const noexcept {
    return buf_.empty() ? "" : reinterpret_cast<const char*>(buf_.data());
  }
  std::span<const std::uint8_t> bytes() const noexcept { return buf_.span().first(size()); }

 private:
  SecretBytes buf_;  // the text plus a NUL, or nothing (empty or moved-from)
};

}  // namespace sigil::crypto
