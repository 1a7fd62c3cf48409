#pragma once
// crypto_error(): the one way a failed OpenSSL call becomes a sigil::Error.
//
// OpenSSL reports failures on a thread-local ERR_* queue. Every failed call in Sigil returns
// `crypto_error("what failed")`, which drains that whole queue into Error::detail, so a later,
// unrelated call never reports a stale error and the log line carries the library's own reason.
//
// Thread-safety: touches only the calling thread's error queue.

#include <string>
#include <string_view>

#include "sigil/base/error.hpp"
#include "sigil/base/result.hpp"

namespace sigil::crypto {

/// Builds an Error with `what` as the message and the drained OpenSSL error queue as the detail.
/// The queue is empty afterwards.
sigil::Unexpected<Error> crypto_error(std::string_view what, Errc code = Errc::kInternal);

/// Empties the calling thread's OpenSSL error queue and returns it as one line ("" if empty),
/// e.g. "error:1E08010C:DECODER routines::unsupported; ...".
std::string drain_openssl_errors();

}  // namespace sigil::crypto
