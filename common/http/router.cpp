#include "sigil/http/router.hpp"

#include <boost/json.hpp>

#include "sigil/base/result.hpp"
#include "sigil/http/error_mapping.hpp"

namespace sigil::http {
namespace {

// "/a/b" -> {"a", "b"}; "/" -> {""}; "/a/" -> {"a", ""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::vector<Router::Segment> parse_pattern(std::string_view pattern) {
  SIGIL_CHECK(!pattern.empty() && pattern.front() == '/');
  std::vector<Router::Segment> segments;
  for (std::string_view part : split_path(pattern)) {
    bool is_param = part.size() > 2 && part.front() == '{' && part.back() == '}';
    if (is_param) part = part.substr(1, part.size() - 2);
    segments.push_back({std::string(part), is_param});
  }
  return segments;
}

// Number of literal segments when `route` matches `parts`, or -1.
int score(const Router::Route& route, const std::vector<std::string_view>& parts) {
  if (route.segments.size() != parts.size()) return -1;
  int literals = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = route.segments[i];
    if (seg.is_param) {
      if (parts[i].empty()) return -1;
    } else if (seg.text != parts[i]) {
      return -1;
    } else {
      ++literals;
    }
  }
  return literals;
}

}  // namespace

void Router::insert(Route route) {
  for (const auto& r : routes_) {
    SIGIL_CHECK(!(r.method == route.method && r.pattern == route.pattern));
  }
  routes_.push_back(std::move(route));
}

void Router::add(bhttp::verb method, std::string_view pattern, AsyncHandler handler,
                 ErrorStyle errors) {
  SIGIL_CHECK(handler != nullptr);
  insert(
      Route{method, std::string(pattern), parse_pattern(pattern), std::move(handler), {}, errors});
}

void Router::add_blocking(bhttp::verb method, std::string_view pattern, BlockingHandler handler,
                          ErrorStyle errors) {
  SIGIL_CHECK(handler != nullptr);
  insert(
      Route{method, std::string(pattern), parse_pattern(pattern), {}, std::move(handler), errors});
}

Router::Match Router::match(bhttp::verb method, std::string_view path) const {
  std::vector<std::string_view> parts = split_path(path);
  Match m;
  int best = -1;
  for (const auto& r : routes_) {
    int s = score(r, parts);
    if (s < 0) continue;
    if (r.method != method) {
      std::string name(bhttp::to_string(r.method));
      if (m.allow.find(name) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + name;
      continue;
    }
    if (s > best) {
      best = s;
      m.route = &r;
    }
  }
  if (m.route == nullptr) {
    m.outcome = m.allow.empty() ? Outcome::kNotFound : Outcome::kMethodNotAllowed;
    return m;
  }
  m.outcome = Outcome::kFound;
  m.allow.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = m.route->segments[i];
    if (seg.is_param) m.params.emplace(seg.text, std::string(parts[i]));
  }
  return m;
}

Response error_response(Request& request, ErrorStyle style, const Error& error) {
  switch (style) {
    case ErrorStyle::kSoap:
      return soap_fault(request, error);
    case ErrorStyle::kJson: {
      request.fault = std::string(errc_name(error.code));
      Response res = rest_error(error);
      res.set(bhttp::field::cache_control, "no-store");
      return res;
    }
    case ErrorStyle::kText:
      break;
  }
  request.fault = std::string(errc_name(error.code));
  return make_response(static_cast<bhttp::status>(error_mapping(error.code).rest_status),
                       error.message + "\n", kTextPlain);
}

Response misdirected_request(Request& request, ErrorStyle style, std::string_view message) {
  if (style == ErrorStyle::kSoap) {
    return soap_fault(request, make_error(Errc::kMalformedRequest, std::string(message)));
  }
  request.fault = "misdirected_request";
  if (style == ErrorStyle::kText) {
    return make_response(bhttp::status::misdirected_request, std::string(message) + "\n",
                         kTextPlain);
  }
  boost::json::object o;
  o["error"] = "misdirected_request";
  o["message"] = message;
  Response res =
      make_response(bhttp::status::misdirected_request, boost::json::serialize(o), kJson);
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

}  // namespace sigil::http
