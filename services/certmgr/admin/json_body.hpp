#pragma once
// The admin API's request bodies: common/http's strict flat-JSON rules (sigil/http/json_body.hpp,
// the same as sts's REST API), with a body limit large enough for a certificate, its key and a
// chain in PEM, and an empty body read as {} (for POSTs without options).
//
// Thread-safety: a JsonFields belongs to one request.

#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "sigil/http/json_body.hpp"

namespace sigil::certmgr::admin {

inline constexpr std::size_t kMaxBodyBytes = 256 * 1024;

class JsonFields : public http::JsonFields {
 public:
  explicit JsonFields(http::JsonFields&& fields) : http::JsonFields(std::move(fields)) {}

  static Result<JsonFields> parse(std::string_view content_type, std::string_view body,
                                  std::initializer_list<std::string_view> allowed) {
    http::JsonBodyRules rules;
    rules.max_bytes = kMaxBodyBytes;
    rules.empty_means_no_fields = true;
    SIGIL_TRY(http::JsonFields fields,
              http::JsonFields::parse(content_type, body, allowed, rules));
    return JsonFields(std::move(fields));
  }
};

}  // namespace sigil::certmgr::admin
