#pragma once
// A real sigil-sts over HTTPS for attack tests (docs/reference/threats.md): one process per
// suite, started with
// `--client-cert optional` against the harness PostgreSQL, tenant vsphere.local
// with a few password users and a solution user (svc, in ActAsUsers) whose key
// the test holds. curl is the client, so the server sees third-party TLS and
// HTTP. The fixture can also open the tenant's signing key (from PostgreSQL,
// with the master key in the sts home) so that tests can sign tokens the server
// would trust except for the one property under test (SHA-1, expiry).
//
// Requests are built here with "now" times; signed ones are signed by the
// unit-test signer (tests/unit/services/sts/wstrust/wstrust_test_support.hpp),
// which computes Body and Timestamp digests exactly as pyVmomi and govmomi do.
//
// Thread-safety: one test thread.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "service_process.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/testing/temp_dir.hpp"
#include "wstrust_test_support.hpp"

namespace sigil::testing {

namespace wt = sigil::sts::wstrust::test;

/// An HTTP answer: status and body.
struct Answer {
  int status = 0;
  std::string body;
};

/// Parts of a RequestSecurityToken, in the order the clients write them.
struct RstSpec {
  std::string request_type = "Issue";  // Issue, Renew, Validate
  std::string key_type = "Bearer";     // Bearer, PublicKey, "" = none
  bool renewable = false;
  bool delegatable = false;
  std::string act_as;           // an assertion for wst14:ActAs
  std::string renew_target;     // an assertion for wst:RenewTarget
  std::string validate_target;  // an assertion for wst:ValidateTarget
  std::string use_key_sig;      // wst:UseKey/@Sig
};

/// How the request is authenticated (the wsse:Security header).
struct Credential {
  std::string username;
  std::string password;
  const wt::TestSigner* bst = nullptr;  // BinarySecurityToken + signature by its key
  std::string token;                    // header assertion (token by token) ...
  EVP_PKEY* token_key = nullptr;        // ... and the key that signs for it
  wt::SigAlg alg = wt::SigAlg::kRsaSha256;
  bool timestamp = true;
  /// The Timestamp's Created and Expires; unset: now and now + 60 s.
  std::optional<TimePoint> created;
  std::optional<TimePoint> expires;
};

class StsAttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static std::string path(const std::string& name) { return (dir_->path() / name).string(); }

  /// POSTs `body` with curl; `curl_args` are extra options (e.g. --cert/--key).
  static Answer post(const std::string& body, const std::string& action = "Issue",
                     const std::vector<std::string>& curl_args = {},
                     const std::string& tenant = "vsphere.local");
  /// The whole request for `rst` authenticated by `cred`.
  static std::string request(const RstSpec& rst, const Credential& cred);
  /// Sends `rst` with `cred` under the SOAPAction of rst.request_type.
  static Answer send(const RstSpec& rst, const Credential& cred,
                     const std::vector<std::string>& curl_args = {});

  /// The first saml2:Assertion of a response ("" when none).
  static std::string token_of(const std::string& response_body);
  /// A bearer token of `user` (password), delegatable and renewable if asked.
  static std::string bearer_token(const std::string& user, bool delegatable = false);
  /// A holder-of-key token bound to svc's certificate: of `user` (password +
  /// svc signature), or of svc itself when `user` is empty (svc's signature
  /// only).
  static std::string hok_token(const std::string& user, bool renewable = true);

  /// Validate: true = status valid, false = status invalid; fails the test on
  /// anything else.
  static bool validates(const std::string& token);

  /// Sum of all samples of a metric family on /metrics, optionally only lines
  /// containing `label` (e.g. `result="valid"`).
  static double metric(const std::string& family, const std::string& label = "");
  static double tokens_issued() { return metric("sigil_tokens_issued_total"); }

  /// Asserts HTTP 500 with `ns0:<code>` as faultcode, and no assertion in the
  /// body.
  static void expect_fault(const Answer& a, std::string_view code);
  /// Asserts that a fresh bearer token is still issued for alice.
  static void expect_still_issuing();

  /// The tenant's active signing key (private) and certificate, read from
  /// PostgreSQL.
  static EVP_PKEY* tenant_key() { return (*tenant_key_)->get(); }
  static X509* tenant_cert() { return (*tenant_cert_)->get(); }
  static std::string tenant_cert_pem_path() { return path("tenant-signing.pem"); }
  /// Issuer URI the server writes (taken from a genuine token).
  static const std::string& issuer() { return *issuer_; }
  static const std::string& alice_upn() { return *alice_upn_; }

  /// Writes `text` to `name` in the test directory and returns its path.
  static std::string write_file(const std::string& name, const std::string& text);
  /// Runs a command; its result.
  static ProcessResult run(const std::vector<std::string>& argv);

  static const wt::TestSigner& svc() { return *svc_; }

  /// When > 0, sts is started with --login-attempts-per-minute this (a derived suite sets it
  /// in its own SetUpTestSuite before calling this one's).
  static std::int64_t login_attempts_per_minute_;
  /// When > 0, sts is started with --wss-replay-cache-entries this (set the same way).
  static std::int64_t replay_cache_entries_;

  static TempDir* dir_;
  static std::string* db_;
  static std::string* home_;
  static RunningService* sts_;
  static std::uint16_t port_;
  static wt::TestSigner* svc_;
  static std::optional<crypto::EvpPkeyPtr>* tenant_key_;
  static std::optional<crypto::X509Ptr>* tenant_cert_;
  static std::string* issuer_;
  static std::string* alice_upn_;
};

/// Replaces the first `from` in `s` by `to` (the test fails when there is
/// none).
std::string replace_once(std::string s, std::string_view from, std::string_view to);
/// The text between the first `open` and the following `close` (both excluded).
std::string between(const std::string& s, std::string_view open, std::string_view close);

}  // namespace sigil::testing
