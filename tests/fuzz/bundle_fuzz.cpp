// libFuzzer target: signed configuration bundles (certmgr bundle import). The bytes are parsed as
// a bundle file (bundle::parse_envelope) and, as the import does once the CMS signature verified,
// its payload as a bundle payload; the raw bytes are also parsed as a payload directly, since a
// fuzzer cannot forge the signature that guards that parser.

#include <cstddef>
#include <cstdint>

#include "certmgr/bundle/bundle_format.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace bundle = sigil::certmgr::bundle;
  std::string_view text = sigil::fuzz::as_text(data, size);
  if (auto envelope = bundle::parse_envelope(text)) (void)bundle::parse_payload(envelope->payload);
  (void)bundle::parse_payload(text);
  return 0;
}
