#pragma once
// Shared by the libFuzzer targets of tests/fuzz (docs/development.md, "Fuzzing"): the input as a
// string_view, and one fixed signing identity (an EC P-256 key and its self-signed certificate,
// made for these tests only) that the SAML target trusts and its seed tokens are signed with, so
// that mutated seeds get past the signature check whenever they keep the signed bytes intact.
//
// Thread-safety: libFuzzer runs one input at a time on one thread.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sigil::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline constexpr std::string_view kSigningKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUHPw+20Va4OsrIL0
mw2UuvGnreB2ZBxoSRuNO5hlzXuhRANCAARoCVkNWPwybT7dIZen8SlMB8fD5GBm
7R+ehWqwqMD+96GxJnA0LEZiGtQrWp1QK597cgz8hMFJWs31qZLWSsV+
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view kSigningCertPem = R"(-----BEGIN CERTIFICATE-----
MIIBljCCATygAwIBAgIBATAKBggqhkjOPQQDAjApMScwJQYDVQQDDB5zaWdpbCBm
dXp6IHNpZ25pbmcgKHRlc3Qgb25seSkwIBcNMjYxMjA2MjAxMzA0WhgPMjEyNjEx
MTIyMDEzMDRaMCkxJzAlBgNVBAMMHnNpZ2lsIGZ1enogc2lnbmluZyAodGVzdCBv
bmx5KTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGgJWQ1Y/DJtPt0hl6fxKUwH
x8PkYGbtH56FarCowP73obEmcDQsRmIa1CtanVArn3tyDPyEwUlazfWpktZKxX6j
UzBRMB0GA1UdDgQWBBRIU5XNKQc1oUusB3hFk+s+n3Rg/jAfBgNVHSMEGDAWgBRI
U5XNKQc1oUusB3hFk+s+n3Rg/jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMC
A0gAMEUCIEIKkktCFpZMI5yB31wosA9x01vUfGXGPHyAtLEqmmrcAiEAnJd0G2x9
Cc/i2JulruoIEeC7Ci8jdOeagh0x2heDoaE=
-----END CERTIFICATE-----
)";

// The issuer, and the instant the seed tokens were issued at (the validator's clock is set there).
inline constexpr std::string_view kIssuer = "https://sts.example/websso/SAML2/Metadata/vsphere.local";
inline constexpr std::int64_t kIssuedUnixSeconds = 1772366400;  // 2026-03-01T12:00:00Z

}  // namespace sigil::fuzz
