#pragma once
// Private to services/common (tls_setup.cpp): small-file I/O with the care key files need:
// bounded reads into wiped memory, O_EXCL creation with an exact mode, fsync, and no
// half-written file left behind.
//
// Thread-safety: pure functions over the file system.

#include <filesystem>
#include <string_view>
#include <sys/types.h>

#include "sigil/base/result.hpp"
#include "sigil/crypto/secret.hpp"

namespace sigil::service::detail {

/// Reads a regular file of at most 1 MiB into wiped memory. Errors are kInvalidArgument naming
/// `what` and the path, e.g. "cannot read TLS key file /x/server.key: No such file or directory".
Result<crypto::SecretString> read_small_file(const std::filesystem::path& path,
                                             std::string_view what);

/// Creates `path` (O_EXCL, O_NOFOLLOW) with `mode`, writes `data` and fsyncs it. An existing file
/// is kConflict and is left alone; on any other failure the new file is removed again.
Result<void> write_new_file(const std::filesystem::path& path, std::string_view data, mode_t mode,
                            std::string_view what);

/// Creates `dir` with mode 0700 if it does not exist (missing parents get the default mode).
Result<void> make_private_dir(const std::filesystem::path& dir);

/// The permission bits of `path` (st_mode & 07777), or -1 if it cannot be stat'ed.
int file_mode(const std::filesystem::path& path);

}  // namespace sigil::service::detail
