// libFuzzer target: the WS-Trust request reader (wstrust::parse_request: SOAP envelope, RST
// children, wsse:Security header) and, on every request it accepts, what sts does next before
// any database lookup: the signer reference, the request signature (with the BinarySecurityToken
// certificate's key, as sts does, or a fixed key when the signer is an assertion), and the
// Timestamp check. The SOAPAction header is absent, as pyVmomi and govmomi may send it.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <openssl/x509.h>

#include "fuzz_support.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/xml/library.hpp"
#include "sts/wstrust/request.hpp"
#include "sts/wstrust/security.hpp"

namespace {

using namespace sigil;

EVP_PKEY* fixed_key() {
  static crypto::EvpPkeyPtr key = *crypto::read_private_key_pem(fuzz::kSigningKeyPem);
  return key.get();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xml::XmlSecLibrary::ensure();
  (void)fixed_key();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wst = sts::wstrust;
  auto req = wst::parse_request(fuzz::as_text(data, size), "", xml::ParseLimits{});
  if (!req) return 0;
  auto signer = wst::signer_reference(*req);
  if (signer) {
    EVP_PKEY* key = signer->kind == wst::SignerKind::kBinarySecurityToken
                        ? X509_get0_pubkey(signer->certificate)
                        : fixed_key();
    if (key != nullptr) (void)wst::verify_request_signature(*req, key);
  }
  // The seeds' Timestamps (tests/unit/services/sts/wstrust) start at 2026-01-02T10:00:00Z.
  const TimePoint now{std::chrono::seconds{1767348030}};
  wst::TimestampPolicy policy;
  policy.clock_tolerance = std::chrono::seconds{300};
  (void)wst::check_timestamp(*req, now, policy, false);
  if (req->timestamp) (void)wst::timestamp_acceptable_until(*req->timestamp, policy);
  (void)wst::replay_key(*req);  // c14n of whatever SignedInfo the input has
  return 0;
}
