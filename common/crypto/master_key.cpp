// MasterKey and the master key file (declared in envelope.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <openssl/crypto.h>

#include "sigil/base/unique_fd.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/random.hpp"

namespace sigil::crypto {
namespace {

// Room for base64 of 32 bytes (44) plus any line endings an editor or kubectl may add.
constexpr std::size_t kMaxKeyFileSize = 1024;

std::string errno_text(int err) { return std::strerror(err); }

std::string key_id(ByteView key) { return "mk-" + hex_encode(sha256(key)).substr(0, 16); }

// Reads the whole (small) file into wiped memory.
Result<SecretString> read_key_file(int fd, const std::string& path) {
  SecretBytes buf(kMaxKeyFileSize + 1);
  std::size_t used = 0;
  while (used < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail(Errc::kInvalidArgument, "cannot read master key file " + path, errno_text(errno));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxKeyFileSize) {
    return fail(Errc::kInvalidArgument, "master key file " + path + " is too large");
  }
  return SecretString(std::string_view(reinterpret_cast<const char*>(buf.data()), used));
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::kInternal, "cannot write master key file", errno_text(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Result<MasterKey> MasterKey::from_bytes(ByteView key) {
  if (key.size() != kSize) {
    return fail(Errc::kInvalidArgument, "a master key must be 32 bytes",
                "got " + std::to_string(key.size()));
  }
  return MasterKey(SecretBytes(key), key_id(key));
}

Result<MasterKey> MasterKey::generate() {
  SecretBytes key(kSize);
  SIGIL_TRY_VOID(random_fill(key.mutable_span()));
  return from_bytes(key.span());
}

Result<MasterKey> load_master_key(const std::filesystem::path& path) {
  const std::string name = path.string();
  // No O_NOFOLLOW: Kubernetes mounts secrets as symlinks. The checks below use fstat on the
  // opened file, so they judge what is actually read.
  UniqueFd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    return fail(err == ENOENT ? Errc::kNotFound : Errc::kInvalidArgument,
                "cannot open master key file " + name, errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(Errc::kInvalidArgument, "cannot stat master key file " + name, errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(Errc::kInvalidArgument, "master key file " + name + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    std::array<char, 8> mode{};
    std::snprintf(mode.data(), mode.size(), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(Errc::kInvalidArgument, "master key file " + name +
                                            " is accessible by group or others (mode " +
                                            mode.data() + "); run chmod 600 on it");
  }
  SIGIL_TRY(SecretString text, read_key_file(fd.get(), name));
  auto key = base64_decode_secret(text.view());
  if (!key) {
    return fail(Errc::kInvalidArgument, "master key file " + name + " does not hold base64",
                key.error().message);
  }
  if (key->size() != MasterKey::kSize) {
    return fail(Errc::kInvalidArgument,
                "master key file " + name + " must hold 32 bytes (base64 of 32 random bytes)",
                "got " + std::to_string(key->size()));
  }
  return MasterKey::from_bytes(key->span());
}

Result<void> create_master_key_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  SecretBytes key(MasterKey::kSize);
  SIGIL_TRY_VOID(random_fill(key.mutable_span()));
  // base64_encode returns a plain string; copy it into wiped memory and wipe the original.
  std::string encoded = base64_encode(key.span());
  SecretString text(encoded);
  OPENSSL_cleanse(encoded.data(), encoded.size());
  UniqueFd fd(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    int err = errno;
    return fail(err == EEXIST ? Errc::kConflict : Errc::kInvalidArgument,
                err == EEXIST ? "master key file " + name + " already exists; not overwriting it"
                              : "cannot create master key file " + name,
                errno_text(err));
  }
  auto written = write_all(fd.get(), text.view());
  if (written) written = write_all(fd.get(), "\n");
  if (written && ::fsync(fd.get()) != 0) {
    written = fail(Errc::kInternal, "cannot sync master key file " + name, errno_text(errno));
  }
  if (written && !fd.close()) {
    written = fail(Errc::kInternal, "cannot close master key file " + name, errno_text(errno));
  }
  if (!written) ::unlink(name.c_str());  // never leave a half-written key behind
  return written;
}

}  // namespace sigil::crypto
