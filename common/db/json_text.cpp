#include "json_text.hpp"

#include <cstdio>

#include "sigil/base/time_format.hpp"

namespace sigil::db::internal {

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonObject::raw(std::string_view key, const std::string& json) {
  if (!body_.empty()) body_ += ",";
  body_ += json_quote(key) + ":" + json;
}

JsonObject& JsonObject::add(std::string_view key, std::string_view value) {
  raw(key, json_quote(value));
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, const std::optional<std::string>& value) {
  raw(key, value ? json_quote(*value) : "null");
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, const JsonObject& nested) {
  raw(key, nested.text());
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, std::int64_t value) {
  raw(key, std::to_string(value));
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, const std::optional<TimePoint>& value) {
  raw(key, value ? json_quote(format_rfc3339(*value)) : "null");
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, const std::vector<std::string>& values) {
  std::string arr = "[";
  for (const std::string& v : values) arr += (arr.size() > 1 ? "," : "") + json_quote(v);
  raw(key, arr + "]");
  return *this;
}

}  // namespace sigil::db::internal
