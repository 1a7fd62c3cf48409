// libFuzzer target: certificate import. The same bytes are read as one DER certificate
// (crypto::parse_certificate_der, as BinarySecurityToken and KeyInfo certificates arrive), as a
// PEM CSR, and as the PEM text of certmgr's server-certificate import: parse_certs and
// check_certificate (names, validity, TLS fitness, chain), then check_key_import with the same
// text as the private key (a key and its certificate in one file, as operators often keep them).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "certmgr/admin/server_cert_checks.hpp"
#include "certmgr/config.hpp"
#include "fuzz_support.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/x509.hpp"

namespace {

using namespace sigil;

const certmgr::admin::AdminDeps& deps() {
  static const certmgr::CertmgrConfig cfg;
  static const crypto::MasterKey master = *crypto::MasterKey::generate();
  static const certmgr::admin::AdminDeps d{.cfg = &cfg, .master_key = &master};
  return d;
}

// Every seed certificate is valid then (tests/fuzz/corpus/cert_import).
const TimePoint kNow{std::chrono::seconds{fuzz::kIssuedUnixSeconds}};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)deps();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  if (auto der = crypto::parse_certificate_der(crypto::ByteView(data, size))) {
    (void)crypto::describe(der->get());
  }
  if (auto csr = crypto::parse_csr_pem(text)) (void)crypto::describe(csr->get());
  if (auto parsed = certmgr::admin::parse_certs(text, std::nullopt)) {
    (void)certmgr::admin::check_certificate(*parsed, {"sts.example"}, "", kNow);
  }
  (void)certmgr::admin::check_key_import(deps(), "sts.example", text, std::nullopt, text, kNow);
  return 0;
}
