#include "sigil/http/message.hpp"

#include "sigil/http/error_mapping.hpp"

namespace sigil::http {

std::string_view Request::param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

Response make_response(bhttp::status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Response rest_error(const Error& error) {
  const ErrorMapping& m = error_mapping(error.code);
  return make_response(static_cast<bhttp::status>(m.rest_status), rest_error_body(error), kJson);
}

Response soap_fault(Request& request, const Error& error) {
  const ErrorMapping& m = error_mapping(error.code);
  request.fault = std::string(m.fault_namespace == FaultNamespace::kWsse ? "wsse:" : "wst:") +
                  std::string(m.fault_local);
  return make_response(bhttp::status::internal_server_error, soap_fault_body(error), kTextXml);
}

}  // namespace sigil::http
