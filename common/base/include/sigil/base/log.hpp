#pragma once
// Structured logging: exactly one line per event, logfmt (`text`) or JSON, fixed keys first:
//   ts=2026-01-02T10:00:00.123Z level=info event=token.issued tenant=vsphere.local key_id=k1
// Never log tokens, assertions, passwords, private keys or full certificates
// (docs/reference/style.md §8).
//
// There is no global logger: main() builds one and passes it down.
// Thread-safety: write() may be called from any thread; each event is one write(2)-sized line.

#include <concepts>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"

namespace sigil::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

Result<Level> parse_level(std::string_view s);
Result<Format> parse_format(std::string_view s);
std::string_view level_name(Level l);

// One key=value of an event. Numbers and strings convert implicitly.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <class T>
    requires(std::integral<T> || std::floating_point<T>)
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  std::string_view key;
  std::string value;
};

class Logger {
 public:
  // `out` is not owned; `clock` may be null (then the system clock is used).
  explicit Logger(Format format = Format::kText, Level min_level = Level::kInfo,
                  std::FILE* out = stderr, const Clock* clock = nullptr);

  void write(Level level, std::string_view event, std::initializer_list<Field> fields) const;
  void debug(std::string_view event, std::initializer_list<Field> f = {}) const {
    write(Level::kDebug, event, f);
  }
  void info(std::string_view event, std::initializer_list<Field> f = {}) const {
    write(Level::kInfo, event, f);
  }
  void warn(std::string_view event, std::initializer_list<Field> f = {}) const {
    write(Level::kWarn, event, f);
  }
  void error(std::string_view event, std::initializer_list<Field> f = {}) const {
    write(Level::kError, event, f);
  }
  bool enabled(Level level) const { return level >= min_level_; }

  // Formats one event without writing it (used by write() and by tests).
  std::string format(Level level, std::string_view event,
                     std::initializer_list<Field> fields) const;

 private:
  Format format_;
  Level min_level_;
  std::FILE* out_;
  const Clock* clock_;
  SystemClock system_clock_;
  mutable std::mutex mu_;
};

}  // namespace sigil::log
