#pragma once
// The checks a server-certificate import makes before anything is written (docs/tls.md
// "Lifecycle"): the certificate and chain parsed, the key (the pending CSR's, or one sent
// with the certificate) matching, the hostname covered, valid now, fit for a TLS server, not a
// CA, and the chain verifying. A failed check is kInvalidArgument naming it and ending in
// "nothing changed". Used by server_cert_routes.cpp.
//
// Thread-safety: pure functions of their arguments (the master key is shared read-only).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certmgr/admin/admin_api.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/server_cert_store.hpp"

namespace sigil::certmgr::admin {

// A certificate to import: the leaf and the certificates after it (in `certificate` and in
// `chain`).
struct ParsedCerts {
  crypto::X509Ptr leaf;
  std::vector<crypto::X509Ptr> chain;
  crypto::CertInfo info;
};

// Everything a CSR-path import checks before it writes: the pending row's id and the chain.
struct CheckedImport {
  std::int64_t pending_id = 0;
  std::string chain_pem;  // leaf first, as stored
  crypto::CertInfo leaf;
};

// A certificate with its own key (`key_pem`): checked completely, the key sealed.
struct CheckedKeyImport {
  db::NewServerCert row;
  crypto::CertInfo leaf;
  std::string key_description;
};

Result<ParsedCerts> parse_certs(std::string_view cert_pem,
                                std::optional<std::string_view> chain_pem);

/// The checks every import makes after the key's: the names in `must_cover` (the CSR's names,
/// or the hostname), validity at `now`, fit for a TLS server, and the chain. The chain to
/// store: leaf, then intermediates, then roots.
Result<std::string> check_certificate(ParsedCerts& p, const std::vector<std::string>& must_cover,
                                      std::string_view cover_note, TimePoint now);

/// The CSR path: the certificate must certify `pending`'s key and cover its CSR's names.
Result<CheckedImport> check_import(const AdminDeps& d, const db::ServerCertRow& pending,
                                   std::string_view cert_pem,
                                   std::optional<std::string_view> chain_pem, TimePoint now);

/// A certificate with its own unencrypted PEM key: checked completely, the key sealed.
Result<CheckedKeyImport> check_key_import(const AdminDeps& d, const std::string& hostname,
                                          std::string_view cert_pem,
                                          std::optional<std::string_view> chain_pem,
                                          std::string_view key_pem, TimePoint now);

}  // namespace sigil::certmgr::admin
