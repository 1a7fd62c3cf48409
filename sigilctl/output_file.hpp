#pragma once
// sigilctl's output files (certificates, keys, CSRs, bundles, PKCS#12 exports): created new
// with the given mode, never overwriting, and removed again when writing fails, so a failed
// verb leaves no half-written secret behind.

#include <sys/types.h>

#include <string>
#include <string_view>

#include "sigil/base/result.hpp"

namespace sigil::ctl {

/// Creates `path` (kInvalidArgument when it exists) with `mode` and writes `data`.
Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode);

}  // namespace sigil::ctl
