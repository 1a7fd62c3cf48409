#pragma once
// Everything sigil_sts_bench measures against, set up from nothing in a temporary directory:
// a throw-away PostgreSQL 15 cluster (tests/support's PgCluster), the migrated database, a master
// key, tenant `vsphere.local` with its signing key and solution user `svc-bench` with a fresh
// RSA-2048 certificate (both written by sigilctl, as an operator would), and sigil-sts on
// 127.0.0.1 with a port of its own, its log in the directory.
//
// On request (start_certmgr, for the rotation mode) also sigil-certmgr on the same database and
// home, so sigilctl's key-set verbs reach its admin API with an admin client certificate made by
// `sigilctl admin-cert create` (docs/admin-api.md).
//
// The solution user's certificate and key are also loaded into a client TLS context, so the load
// generator authenticates by mutual TLS and the client spends no RSA operation per request.
//
// Thread-safety: one thread. Destruction stops sigil-sts and sigil-certmgr, then PostgreSQL, then
// removes the directory.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/testing/pg_cluster.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::bench {

struct StsFixtureOptions {
  std::string sts_binary;
  std::string sigilctl_binary;
  std::string certmgr_binary;
  std::string tenant = "vsphere.local";
  std::string solution_user = "svc-bench";
  unsigned threads = 2;                       // sigil-sts --threads
  std::string client_cert_mode = "optional";  // sigil-sts --client-cert
  std::string log_level = "info";             // sigil-sts --log-level
};

class StsFixture {
 public:
  static Result<std::unique_ptr<StsFixture>> start(const StsFixtureOptions& options);
  ~StsFixture();
  StsFixture(const StsFixture&) = delete;
  StsFixture& operator=(const StsFixture&) = delete;

  std::uint16_t port() const { return port_; }
  std::string target() const { return "/sts/STSService/" + options_.tenant; }
  const StsFixtureOptions& options() const { return options_; }
  pid_t sts_pid() const { return sts_ ? sts_->pid() : -1; }
  pid_t postmaster_pid() const { return pg_->postmaster_pid(); }
  /// A client context trusting sts's certificate and presenting the solution user's.
  SSL_CTX* client_tls() const { return client_tls_.get(); }
  /// The same without a client certificate.
  SSL_CTX* anonymous_tls() const { return anonymous_tls_.get(); }
  /// Everything sigil-sts wrote to stderr so far.
  std::string sts_log() const;
  std::string sts_log_path() const;
  /// libpq conninfo of the database sts uses.
  const std::string& conninfo() const { return conninfo_; }
  /// Runs sigilctl with SIGIL_DB and SIGIL_HOME of this fixture and, once certmgr runs, the
  /// admin API's address and client certificate.
  Result<testing::ProcessResult> sigilctl(const std::vector<std::string>& args) const;
  /// Creates an admin client certificate and starts sigil-certmgr (admin API on a port of its
  /// own, log in certmgr.log). Needed by sigilctl's signing-cert verbs.
  Result<void> start_certmgr();
  bool sts_running() { return sts_ && sts_->running(); }
  /// A file in the work directory.
  std::string path(const std::string& name) const;
  /// Keeps the work directory after the fixture is gone; returns its path.
  std::string keep() { return dir_.release().string(); }

 private:
  StsFixture(StsFixtureOptions options, testing::TempDir dir);
  Result<void> set_up_database();
  Result<void> set_up_principals();
  Result<void> start_sts();
  Result<void> make_client_contexts();

  StsFixtureOptions options_;
  testing::TempDir dir_;
  std::unique_ptr<testing::PgCluster> pg_;
  std::string conninfo_;
  std::optional<testing::ChildProcess> sts_;      // declared after pg_: stopped first
  std::optional<testing::ChildProcess> certmgr_;  // likewise
  std::vector<std::string> api_env_;              // SIGIL_SERVER, SIGIL_CLIENT_CERT/_KEY
  std::uint16_t port_ = 0;
  crypto::SslCtxPtr client_tls_;
  crypto::SslCtxPtr anonymous_tls_;
};

}  // namespace sigil::bench
