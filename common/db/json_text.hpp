#pragma once
// Internal to common/db: a tiny builder for the JSON objects stored in jsonb columns (the audit
// log's old_value / new_value), so common/db needs no JSON library. Values are strings,
// integers, times (RFC 3339 strings) or null; arrays of strings.
//
// Thread-safety: a builder belongs to one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/clock.hpp"

namespace sigil::db::internal {

/// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, const JsonObject& nested);
  JsonObject& add(std::string_view key, const std::optional<std::string>& value);
  JsonObject& add(std::string_view key, std::int64_t value);
  JsonObject& add(std::string_view key, const std::optional<TimePoint>& value);
  JsonObject& add(std::string_view key, const std::vector<std::string>& values);
  std::string text() const { return "{" + body_ + "}"; }

 private:
  void raw(std::string_view key, const std::string& json);
  std::string body_;
};

}  // namespace sigil::db::internal
