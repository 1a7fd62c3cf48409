#include "sigil/testing/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace sigil::testing {

Result<TempDir> TempDir::create(std::string_view prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  pattern += "/";
  pattern += prefix;
  pattern += "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return fail(Errc::kInternal, "cannot create a temporary directory",
                pattern + ": " + std::strerror(errno));
  }
  return TempDir(std::filesystem::path(buf.data()));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    TempDir doomed(std::move(*this));
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort: a test must not fail in cleanup
}

std::filesystem::path TempDir::release() noexcept { return std::exchange(path_, {}); }

}  // namespace sigil::testing
