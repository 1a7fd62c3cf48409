// libFuzzer target: the SAML validator. A token is parsed (saml::parse_token) and validated
// against a fixed trusted key set (the fuzz signing certificate of fuzz_support.hpp, which also
// signed the seed tokens) at the seeds' issue instant; the claims reader also runs on its own, so
// that mutated, no longer signed tokens still reach the code that reads claims.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "claims_reader.hpp"
#include "fuzz_support.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/validator.hpp"
#include "sigil/xml/library.hpp"

namespace {

using namespace sigil;

const std::vector<saml::TrustedSigningKey>& trusted_keys() {
  static crypto::X509Ptr cert = *crypto::parse_certificate_pem(fuzz::kSigningCertPem);
  static const std::vector<saml::TrustedSigningKey> keys = {{"fuzz-key", cert.get()}};
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xml::XmlSecLibrary::ensure();
  (void)trusted_keys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto token = saml::parse_token(fuzz::as_text(data, size));
  if (!token) return 0;
  const ManualClock clock(TimePoint{std::chrono::seconds{fuzz::kIssuedUnixSeconds + 60}});
  saml::ValidationPolicy policy;
  policy.expected_issuer = std::string(fuzz::kIssuer);
  (void)saml::validate_assertion(token->doc.get(), token->assertion, trusted_keys(), policy, clock);
  (void)saml::detail::read_claims(token->assertion);
  return 0;
}
