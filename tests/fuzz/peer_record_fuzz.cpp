// libFuzzer target: change records from linked peers (certmgr POST /api/v1/peer/changes, after
// the peer's TLS client certificate and body signature were checked) and the change_log payloads
// they are built from: peers::parse_wire_record and peers::parse_payload.

#include <cstddef>
#include <cstdint>

#include "certmgr/peers/change_record.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace peers = sigil::certmgr::peers;
  std::string_view text = sigil::fuzz::as_text(data, size);
  (void)peers::parse_wire_record(text);
  (void)peers::parse_payload(text);
  return 0;
}
