#include "sigil/base/log.hpp"

#include "sigil/base/time_format.hpp"

namespace sigil::log {
namespace {

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// Escapes for both logfmt quoted values and JSON strings (the same rules suffice for both).
void append_escaped(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
}

void append_text_pair(std::string& out, std::string_view k, std::string_view v) {
  out += ' ';
  out += k;
  out += '=';
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  append_escaped(out, v);
  out += '"';
}

void append_json_pair(std::string& out, std::string_view k, std::string_view v) {
  out += ",\"";
  append_escaped(out, k);
  out += "\":\"";
  append_escaped(out, v);
  out += '"';
}

}  // namespace

Result<Level> parse_level(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return fail(Errc::kInvalidArgument, "log level must be one of debug, info, warn, error");
}

Result<Format> parse_format(std::string_view s) {
  if (s == "text") return Format::kText;
  if (s == "json") return Format::kJson;
  return fail(Errc::kInvalidArgument, "log format must be text or json");
}

std::string_view level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

Logger::Logger(Format format, Level min_level, std::FILE* out, const Clock* clock)
    : format_(format), min_level_(min_level), out_(out), clock_(clock) {}

std::string Logger::format(Level level, std::string_view event,
                           std::initializer_list<Field> fields) const {
  std::string ts = format_time_ms(clock_ ? clock_->now() : system_clock_.now());
  std::string line;
  line.reserve(128);
  if (format_ == Format::kJson) {
    line += "{\"ts\":\"" + ts + "\",\"level\":\"";
    line += level_name(level);
    line += '"';
    append_json_pair(line, "event", event);
    for (const auto& f : fields) append_json_pair(line, f.key, f.value);
    line += "}\n";
    return line;
  }
  line += "ts=" + ts + " level=";
  line += level_name(level);
  append_text_pair(line, "event", event);
  for (const auto& f : fields) append_text_pair(line, f.key, f.value);
  line += '\n';
  return line;
}

void Logger::write(Level level, std::string_view event,
                   std::initializer_list<Field> fields) const {
  if (!enabled(level) || out_ == nullptr) return;
  std::string line = format(level, event, fields);
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace sigil::log
