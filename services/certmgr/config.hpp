#pragma once
// CertmgrConfig: every setting of sigil-certmgr, and the one function that binds it to an
// OptionSet (flags, SIGIL_* environment, JSON file keys and --help come from that binding).
//
// Thread-safety: built and validated in main(), then frozen as shared_ptr<const CertmgrConfig>.

#include <cstdint>
#include <string>

#include "sigil/base/config.hpp"
#include "sigil/base/result.hpp"
#include "sigil/service/common_config.hpp"

namespace sigil::certmgr {

// The admin API's HTTPS listener (--listen) and the tokens it accepts.
struct AdminTlsConfig {
  std::string cert_file;  // PEM chain, leaf first; empty: HOME/tls/server.crt (self-signed)
  std::string key_file;   // PEM private key; empty: HOME/tls/server.key
  std::string hostname = "localhost";      // name in the self-signed certificate
  std::string sts_hostname = "localhost";  // sts's --hostname: admin tokens' Issuer host
  // The deployment's default HTTPS server certificate in PostgreSQL (what every sts replica
  // serves for SNI names without their own): "self-signed" makes one for sts_hostname when there
  // is none and renews a self-signed one; "off" leaves it to the operator.
  std::string bootstrap_server_cert = "self-signed";
  std::string server_cert_country;  // C= of that certificate; empty: none
};

struct CertmgrConfig {
  service::LogConfig log;
  AdminTlsConfig tls;
  service::DataConfig data;
  service::ServiceConfig service{.listen = "127.0.0.1:8444",
                                 .metrics_listen = "127.0.0.1:9444",
                                 .max_connections = 256,
                                 .max_connections_per_address = 32};
  // Admin listener slots beyond --max-connections, kept for operators and linked peers: only
  // connections from reserved_clients (CIDRs) may use them (docs/operations.md).
  std::int64_t reserved_connections = 32;
  std::string reserved_clients = "127.0.0.0/8,::1";
  // At startup (and for `migrate`), how long an unreachable database is retried before giving
  // up: in Kubernetes PostgreSQL may come up after us.
  std::int64_t db_wait_s = 30;
  // The tenant whose Administrators administer the whole deployment: the default and wildcard
  // server certificates, hostnames no tenant owns (admin_auth.hpp authenticate_deployment_admin).
  std::string system_tenant = "vsphere.local";

  // The scheduler (certmgr/renew/scheduler.hpp).
  std::int64_t pass_interval_s = 600;
  std::int64_t renew_lead_days = 100;
  std::int64_t prepublish_hours = 24;
  std::string signing_key_type = "rsa-2048";
  std::int64_t signing_validity_days = 3652;
  std::string ca_key_type = "rsa-3072";
  // A real (not dry-run) pass at a time more than kPassTimeTolerance (app.hpp) from now, through
  // the admin API's run-once or `sigil-certmgr run-once --at`: a testing tool, refused unless
  // this is set (docs/certificates.md "Time travel").
  bool allow_time_travel = false;
  std::string alarm_webhook_url;      // empty: no webhook
  std::string alarm_webhook_ca_file;  // CA bundle for an https webhook

  // `sigil-certmgr run-once` only.
  std::string run_once_at;  // RFC 3339; empty: now
  bool run_once_dry_run = false;
  bool json = false;
};

void bind_options(config::OptionSet& options, CertmgrConfig* cfg);
Result<void> validate(const CertmgrConfig& cfg);

}  // namespace sigil::certmgr
