#pragma once
// Signed configuration bundles (docs/bundles.md): the file format and the payload model, pure
// functions without I/O. A bundle file is one JSON object
//
//   {"format": "sigil-bundle/1", "payload": "<base64 of the payload bytes>",
//    "signature": "<base64 of a DER CMS SignedData, detached, over the payload bytes>"}
//
// and the payload is a JSON object describing one tenant (PayloadModel below). The signature
// covers the exact payload bytes, so the payload is parsed only after it verified
// (bundle_signature.hpp), from those same bytes.
//
// Parsing is strict, as for every admin request body: unknown fields, duplicate keys (at any
// depth), wrong types, missing fields and out-of-range values are kMalformedRequest with a
// message naming the field ("payload.users[2].groups[0] must be a string").
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/db/tenant_policy.hpp"

namespace sigil::certmgr::bundle {

inline constexpr std::string_view kFormat = "sigil-bundle/1";
/// Limits that keep a hostile file from costing much: the admin API refuses larger requests.
inline constexpr std::size_t kMaxBundleBytes = 768 * 1024;

struct BundleUser {
  std::string name;
  std::vector<std::string> groups;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  bool disabled = false;
  std::optional<std::string> password_hash;  ///< only in bundles exported with secrets
};

struct BundleSolutionUser {
  std::string name;
  std::string certificate_pem;
  std::vector<std::string> groups;
  bool disabled = false;
};

/// What a bundle says about its tenant.
struct Payload {
  std::string tenant;
  std::string exported_at;  ///< RFC 3339
  std::string exported_by;  ///< audit actor of the exporting administrator
  std::string source_deployment;
  db::TenantPolicyUpdate policy;  ///< every field set
  std::vector<std::string> hostnames;
  std::vector<BundleUser> users;
  std::vector<BundleSolutionUser> solution_users;
  std::vector<std::string> signing_certificates;  ///< PEM chains, for reference only
  std::vector<std::string> ca_certificates;       ///< PEM, for reference only
};

/// The outer file.
struct Envelope {
  std::string payload;                  ///< the exact payload bytes (base64-decoded)
  std::vector<std::uint8_t> signature;  ///< DER CMS SignedData
};

/// The payload's JSON text (the bytes that get signed).
std::string serialize_payload(const Payload& p);
/// Parses payload bytes strictly (see above).
Result<Payload> parse_payload(std::string_view bytes);

/// The bundle file's text: the envelope JSON, pretty enough to diff, ending in a newline.
std::string serialize_envelope(std::string_view payload,
                               const std::vector<std::uint8_t>& signature);
/// Parses a bundle file strictly: exactly the three fields, format sigil-bundle/1, valid base64.
Result<Envelope> parse_envelope(std::string_view text);

}  // namespace sigil::certmgr::bundle
