#include "sigil/testing/captured_log.hpp"

#include "sigil/base/result.hpp"

namespace sigil::testing {

CapturedLog::CapturedLog(const Clock* clock) : file_(std::tmpfile()) {
  SIGIL_CHECK(file_ != nullptr);
  logger_ = std::make_unique<log::Logger>(log::Format::kText, log::Level::kDebug, file_.get(),
                                          clock);
}

std::string CapturedLog::text() {
  std::FILE* f = file_.get();
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  std::fseek(f, 0, SEEK_END);
  return out;
}

}  // namespace sigil::testing
