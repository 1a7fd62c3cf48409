#include "tls_files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "sigil/base/unique_fd.hpp"

namespace sigil::service::detail {
namespace {

constexpr std::size_t kMaxFileSize = std::size_t{1} << 20;

std::string errno_text(int err) { return std::strerror(err); }

Error file_error(std::string_view verb, std::string_view what, const std::filesystem::path& path,
                 int err) {
  return make_error(Errc::kInvalidArgument, "cannot " + std::string(verb) + " " +
                                                std::string(what) + " " + path.string() + ": " +
                                                errno_text(err));
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unexpected(make_error(Errc::kInternal, "write failed", errno_text(errno)));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Result<crypto::SecretString> read_small_file(const std::filesystem::path& path,
                                             std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return unexpected(file_error("read", what, path, errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return unexpected(file_error("stat", what, path, errno));
  if (!S_ISREG(st.st_mode)) {
    return fail(Errc::kInvalidArgument,
                std::string(what) + " " + path.string() + " is not a regular file");
  }
  crypto::SecretBytes buf(kMaxFileSize + 1);
  std::size_t used = 0;
  while (used < buf.size()) {
    ssize_t n = ::read(fd.get(), buf.data() + used, buf.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unexpected(file_error("read", what, path, errno));
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxFileSize) {
    return fail(Errc::kInvalidArgument, std::string(what) + " " + path.string() + " is too large");
  }
  return crypto::SecretString(std::string_view(reinterpret_cast<const char*>(buf.data()), used));
}

Result<void> write_new_file(const std::filesystem::path& path, std::string_view data, mode_t mode,
                            std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (fd.get() < 0) {
    int err = errno;
    if (err != EEXIST) return unexpected(file_error("create", what, path, err));
    return fail(Errc::kConflict,
                std::string(what) + " " + path.string() + " already exists; not overwriting it");
  }
  auto written = write_all(fd.get(), data);
  if (written && ::fsync(fd.get()) != 0)
    written = unexpected(file_error("sync", what, path, errno));
  if (written && !fd.close()) written = unexpected(file_error("close", what, path, errno));
  if (!written) {
    ::unlink(path.c_str());  // never leave a half-written file behind
    return fail(Errc::kInternal, "cannot write " + std::string(what) + " " + path.string(),
                written.error().to_string());
  }
  return {};
}

Result<void> make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (ec) {
    return fail(Errc::kInvalidArgument,
                "cannot create directory " + dir.parent_path().string() + ": " + ec.message());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return unexpected(file_error("create", "directory", dir, errno));
  }
  return {};
}

int file_mode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

}  // namespace sigil::service::detail
