#pragma once
// A Logger whose lines a test can read back: text format, debug level, written to a temporary
// file that lives as long as the CapturedLog.
//
//   CapturedLog log(&clock);
//   IdentitySource source(pool, clock, log.logger());
//   EXPECT_NE(log.text().find("event=auth.failed"), std::string::npos);
//
// Thread-safety: logger() as log::Logger; text() from the test's thread.

#include <cstdio>
#include <memory>
#include <string>

#include "sigil/base/clock.hpp"
#include "sigil/base/log.hpp"

namespace sigil::testing {

class CapturedLog {
 public:
  explicit CapturedLog(const Clock* clock = nullptr);
  log::Logger& logger() { return *logger_; }
  /// Everything logged so far.
  std::string text();

 private:
  struct Closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file_;  // outlives logger_
  std::unique_ptr<log::Logger> logger_;
};

}  // namespace sigil::testing
