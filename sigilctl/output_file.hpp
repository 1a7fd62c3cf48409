#pragma once
// sigilctl's local I/O for secrets and exports: output files (certificates, keys, CSRs,
// bundles, PKCS#12 exports) created new with the given mode, never overwriting, and removed
// again when writing fails, so a failed verb leaves no half-written secret behind; and the
// export passphrase read from standard input (--passphrase-stdin).

#include <sys/types.h>

#include <string>
#include <string_view>

#include "sigil/base/result.hpp"

namespace sigil::ctl {

/// Creates `path` (kInvalidArgument when it exists) with `mode` and writes `data`.
Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode);

/// One line of standard input without its line ending; kInvalidArgument when it is empty.
/// The caller wipes it (OPENSSL_cleanse) when done.
Result<std::string> read_passphrase_stdin();

}  // namespace sigil::ctl
