#pragma once
// Strict parsing of JSON request bodies (sts's REST API, certmgr's admin API): every body is one flat JSON object whose
// values are strings, integers or booleans. The rules (docs/rest-api.md, "Request bodies"):
//   - Content-Type must be application/json (parameters such as charset=utf-8 are allowed). A
//     browser cannot send that cross-site without a CORS preflight, which sts never answers.
//   - at most kMaxBodyBytes; standard JSON only (no comments, no trailing commas, valid UTF-8);
//   - the document is one object; nested objects and arrays are refused, and so are duplicate
//     keys (the JSON RFC leaves their meaning open; two parsers could read different values);
//   - unknown keys are refused, naming the key, so a typo ("lifetime" for "lifetime_s") is an
//     error instead of a silently ignored option;
//   - each value has the type the endpoint documents; strings have per-field length limits.
// Every violation is kMalformedRequest (HTTP 400) with a message naming the field, or
// kPayloadTooLarge (413) for the size limit. Nothing here throws, whatever the input.
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

namespace sigil::http {

/// What a service allows beyond the common rules.
struct JsonBodyRules {
  std::size_t max_bytes = 64 * 1024;  ///< sts's REST bodies; certmgr allows PEM imports
  bool empty_means_no_fields = false;  ///< an empty (or blank) body parses as {}
};

/// One scalar value; null is kept so that a field given as null is refused, not ignored.
using JsonScalar = std::variant<std::nullptr_t, bool, std::int64_t, std::string>;

class JsonFields {
 public:
  /// Parses `body` under the rules above. `allowed` lists every key the endpoint knows.
  static Result<JsonFields> parse(std::string_view content_type, std::string_view body,
                                  std::initializer_list<std::string_view> allowed,
                                  const JsonBodyRules& rules = {});

  /// The string field `name` (at most `max_bytes`, not empty); nullopt when absent.
  Result<std::optional<std::string_view>> string(std::string_view name,
                                                 std::size_t max_bytes) const;
  /// The same, but absent is an error.
  Result<std::string_view> required_string(std::string_view name, std::size_t max_bytes) const;
  /// An integer field in [min, max]; nullopt when absent.
  Result<std::optional<std::int64_t>> integer(std::string_view name, std::int64_t min,
                                              std::int64_t max) const;
  /// A boolean field; nullopt when absent.
  Result<std::optional<bool>> boolean(std::string_view name) const;

  /// Overwrites every string value with zeros (passwords); call when done.
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

}  // namespace sigil::http
