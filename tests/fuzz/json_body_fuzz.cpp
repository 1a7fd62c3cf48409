// libFuzzer target: the strict JSON request-body parser (http::JsonFields) with the keys of a
// real endpoint (sts's POST /token and certmgr's imports), then every typed accessor the routes
// call. Nothing may throw: Boost.JSON runs with its non-throwing interface.

#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "sigil/http/json_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sigil::http::JsonFields;
  auto fields = JsonFields::parse("application/json; charset=utf-8", sigil::fuzz::as_text(data, size),
                                  {"username", "password", "lifetime_s", "renewable", "delegatable",
                                   "audience", "certificate_pem", "chain_pem", "key_pem", "hostname"},
                                  {.max_bytes = 256 * 1024, .empty_means_no_fields = true});
  if (!fields) return 0;
  (void)fields->string("username", 256);
  (void)fields->required_string("password", 1024);
  (void)fields->integer("lifetime_s", 1, 30 * 86400);
  (void)fields->boolean("renewable");
  (void)fields->boolean("delegatable");
  (void)fields->string("audience", 1024);
  (void)fields->string("certificate_pem", 64 * 1024);
  fields->cleanse();
  return 0;
}
