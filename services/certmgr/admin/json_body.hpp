#pragma once
// Strict parsing of the admin API's request bodies: one flat JSON object of strings, integers
// and booleans (the rules of sts's REST API, docs/rest-api.md "Request bodies", re-implemented
// here because services do not include each other):
//   - Content-Type application/json; at most kMaxBodyBytes; standard JSON only;
//   - one object; nested objects, arrays and duplicate keys are refused;
//   - unknown keys are refused, naming the key; each value must have the documented type.
// Every violation is kMalformedRequest (HTTP 400) naming the field, or kPayloadTooLarge (413).
//
// Thread-safety: a JsonFields belongs to one request.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sigil/base/result.hpp"

namespace sigil::certmgr::admin {

/// Large enough for a certificate, its key and a chain of a few certificates, in PEM.
inline constexpr std::size_t kMaxBodyBytes = 256 * 1024;

using JsonScalar = std::variant<std::nullptr_t, bool, std::int64_t, std::string>;

class JsonFields {
 public:
  /// Parses `body` under the rules above. `allowed` lists every key the endpoint knows. An empty
  /// body is parsed as `{}`.
  static Result<JsonFields> parse(std::string_view content_type, std::string_view body,
                                  std::initializer_list<std::string_view> allowed);

  Result<std::optional<std::string_view>> string(std::string_view name,
                                                 std::size_t max_bytes) const;
  Result<std::string_view> required_string(std::string_view name, std::size_t max_bytes) const;
  Result<std::optional<std::int64_t>> integer(std::string_view name, std::int64_t min,
                                              std::int64_t max) const;
  Result<std::optional<bool>> boolean(std::string_view name) const;

  /// Overwrites every string value with zeros (private keys, passphrases); also on destruction.
  void cleanse();
  ~JsonFields() { cleanse(); }
  JsonFields() = default;
  JsonFields(JsonFields&&) = default;
  JsonFields& operator=(JsonFields&&) = default;
  JsonFields(const JsonFields&) = delete;
  JsonFields& operator=(const JsonFields&) = delete;

 private:
  std::map<std::string, JsonScalar, std::less<>> fields_;
};

}  // namespace sigil::certmgr::admin
