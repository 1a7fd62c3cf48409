#include "sts/handlers/wstrust_endpoint.hpp"

#include "sigil/http/error_mapping.hpp"
#include "sigil/http/message.hpp"
#include "sts/identity/login_throttle.hpp"

namespace sigil::sts::handlers {
namespace {

namespace bhttp = boost::beast::http;

http::Response answer(TokenService& service, const log::Logger& log, http::Request& request,
                      std::string_view tenant) {
  std::string_view soap_action = request.message[bhttp::field::soapaction];
  X509* client_cert = request.peer_certificate.get();
  auto result = service.handle(tenant, request.message.body(), soap_action, client_cert,
                               identity::client_source(request.remote_address));
  if (result) return http::make_response(bhttp::status::ok, std::move(*result), http::kTextXml);
  const Error& error = result.error();
  if (error.code == Errc::kNotFound) {
    return http::make_response(bhttp::status::not_found, "unknown tenant\n", http::kTextPlain);
  }
  const auto& row = http::error_mapping(error.code);
  log.warn("wstrust.fault", {{"tenant", tenant}, {"fault", row.fault_local},
                             {"message", error.message}, {"detail", error.detail},
                             {"remote", request.remote}});
  return http::soap_fault(request, error);
}

}  // namespace

void add_wstrust_routes(http::Router& router, TokenService& service, const log::Logger& log,
                        std::string default_tenant) {
  router.add_blocking(
      bhttp::verb::post, "/sts/STSService/{tenant}",
      [&service, &log](http::Request& r) { return answer(service, log, r, r.param("tenant")); },
      http::ErrorStyle::kSoap);
  router.add_blocking(
      bhttp::verb::post, "/sts/STSService",
      [&service, &log, tenant = std::move(default_tenant)](http::Request& r) {
        // The tenant routing (routing/tenant_router.hpp) fills in the SNI / Host tenant, or
        // this default; without it (tests) the default.
        std::string_view routed = r.param("tenant");
        return answer(service, log, r, routed.empty() ? std::string_view(tenant) : routed);
      },
      http::ErrorStyle::kSoap);
}

}  // namespace sigil::sts::handlers
