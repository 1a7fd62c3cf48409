#pragma once
// A temporary directory for one test, removed with everything in it when the object goes.
//
// Thread-safety: a TempDir belongs to one thread; distinct objects are independent.

#include <filesystem>
#include <string_view>

#include "sigil/base/result.hpp"

namespace sigil::testing {

class TempDir {
 public:
  /// mkdtemp("<$TMPDIR or /tmp>/<prefix>XXXXXX"), mode 0700.
  static Result<TempDir> create(std::string_view prefix = "sigil-test-");

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const noexcept { return path_; }
  /// Keeps the directory on disk (e.g. to look at it after a failure); returns its path.
  std::filesystem::path release() noexcept;

 private:
  explicit TempDir(std::filesystem::path path) noexcept : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace sigil::testing
