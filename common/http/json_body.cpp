#include "sigil/http/json_body.hpp"

#include <algorithm>

#include <openssl/crypto.h>

#include <boost/json/basic_parser_impl.hpp>

#include "sigil/base/ascii.hpp"

namespace sigil::http {
namespace {

namespace json = boost::json;

// A SAX handler that accepts exactly one flat object of scalars and collects it. Every refusal
// stores a message and fails the parse with a handler error.
class FlatObjectHandler {
 public:
  static constexpr std::size_t max_array_size = 0;
  static constexpr std::size_t max_object_size = 32;
  static constexpr std::size_t max_string_size = std::size_t{1} << 20;  // bodies are capped first
  static constexpr std::size_t max_key_size = 64;

  std::map<std::string, JsonScalar, std::less<>> fields;
  std::string refusal;  // set when the handler refused the document

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code& ec) {
    return refuse(ec, key_.empty() ? "the body must be a JSON object"
                                   : "field '" + key_ + "' must not be an array");
  }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code& ec) {
    if (depth_++ == 0) return true;
    return refuse(ec, "field '" + key_ + "' must not be an object");
  }
  bool on_object_end(std::size_t, json::error_code&) {
    --depth_;
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    part_.append(s.data(), s.size());
    std::string value = std::move(part_);
    part_.clear();
    return put(ec, JsonScalar(std::move(value)));
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_part_.append(s.data(), s.size());
    key_ = std::move(key_part_);
    key_part_.clear();
    if (fields.count(key_) != 0) return refuse(ec, "field '" + key_ + "' appears twice");
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code& ec) {
    return put(ec, JsonScalar(i));
  }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code& ec) {
    return refuse(ec, "field '" + key_ + "' is out of range");
  }
  bool on_double(double, json::string_view, json::error_code& ec) {
    return refuse(ec, "field '" + key_ + "' must be an integer");
  }
  bool on_bool(bool b, json::error_code& ec) { return put(ec, JsonScalar(b)); }
  bool on_null(json::error_code& ec) { return put(ec, JsonScalar(nullptr)); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool put(json::error_code& ec, JsonScalar v) {
    if (depth_ == 0) return refuse(ec, "the body must be a JSON object");
    fields.emplace(std::move(key_), std::move(v));
    key_.clear();
    return true;
  }
  bool refuse(json::error_code& ec, std::string why) {
    refusal = std::move(why);
    ec = json::error::syntax;  // any error stops the parser; `refusal` says what it was
    return false;
  }

  int depth_ = 0;
  std::string key_;
  std::string key_part_;
  std::string part_;
};

bool is_json_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return equal_ignoring_ascii_case(type, "application/json");
}

std::string_view type_name(const JsonScalar& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "a boolean";
    case 2: return "an integer";
    default: return "a string";
  }
}

}  // namespace

Result<JsonFields> JsonFields::parse(std::string_view content_type, std::string_view body,
                                     std::initializer_list<std::string_view> allowed,
                                     const JsonBodyRules& rules) {
  if (rules.empty_means_no_fields && body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return JsonFields();
  }
  if (!is_json_media_type(content_type)) {
    return fail(Errc::kMalformedRequest, "Content-Type must be application/json");
  }
  if (body.size() > rules.max_bytes) {
    return fail(Errc::kPayloadTooLarge,
                "the body is larger than " + std::to_string(rules.max_bytes) + " bytes");
  }
  json::parse_options options;
  options.max_depth = 2;  // the object, and one level more so that nesting is named
  json::basic_parser<FlatObjectHandler> parser(options);
  json::error_code ec;
  std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  FlatObjectHandler& h = parser.handler();
  if (!h.refusal.empty()) return fail(Errc::kMalformedRequest, h.refusal);
  if (ec) {
    return fail(Errc::kMalformedRequest, "the body is not valid JSON: " + ec.message() +
                                             " at byte " + std::to_string(used));
  }
  std::string_view rest = body.substr(used);
  if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    return fail(Errc::kMalformedRequest, "the body has data after the JSON object");
  }
  for (const auto& [key, value] : h.fields) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail(Errc::kMalformedRequest, "unknown field '" + key + "'");
    }
  }
  JsonFields out;
  out.fields_ = std::move(h.fields);
  return out;
}

Result<std::optional<std::string_view>> JsonFields::string(std::string_view name,
                                                           std::size_t max_bytes) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return std::optional<std::string_view>();
  const auto* s = std::get_if<std::string>(&it->second);
  if (s == nullptr) {
    return fail(Errc::kMalformedRequest, "field '" + std::string(name) +
                                             "' must be a string, not " +
                                             std::string(type_name(it->second)));
  }
  if (s->empty()) return fail(Errc::kMalformedRequest, "field '" + std::string(name) + "' is empty");
  if (s->size() > max_bytes) {
    return fail(Errc::kMalformedRequest, "field '" + std::string(name) + "' is longer than " +
                                             std::to_string(max_bytes) + " bytes");
  }
  return std::optional<std::string_view>(*s);
}

Result<std::string_view> JsonFields::required_string(std::string_view name,
                                                     std::size_t max_bytes) const {
  SIGIL_TRY(std::optional<std::string_view> s, string(name, max_bytes));
  if (!s) return fail(Errc::kMalformedRequest, "field '" + std::string(name) + "' is required");
  return *s;
}

Result<std::optional<std::int64_t>> JsonFields::integer(std::string_view name, std::int64_t min,
                                                        std::int64_t max) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return std::optional<std::int64_t>();
  const auto* i = std::get_if<std::int64_t>(&it->second);
  if (i == nullptr) {
    return fail(Errc::kMalformedRequest, "field '" + std::string(name) +
                                             "' must be an integer, not " +
                                             std::string(type_name(it->second)));
  }
  if (*i < min || *i > max) {
    return fail(Errc::kMalformedRequest, "field '" + std::string(name) + "' must be between " +
                                             std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<std::int64_t>(*i);
}

void JsonFields::cleanse() {
  for (auto& [key, value] : fields_) {
    if (auto* s = std::get_if<std::string>(&value); s != nullptr && !s->empty()) {
      OPENSSL_cleanse(s->data(), s->size());
    }
  }
}

Result<std::optional<bool>> JsonFields::boolean(std::string_view name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return std::optional<bool>();
  const auto* b = std::get_if<bool>(&it->second);
  if (b == nullptr) {
    return fail(Errc::kMalformedRequest, "field '" + std::string(name) +
                                             "' must be a boolean, not " +
                                             std::string(type_name(it->second)));
  }
  return std::optional<bool>(*b);
}


}  // namespace sigil::http
