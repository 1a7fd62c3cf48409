#pragma once
// SigilctlConfig: the global settings of sigilctl and the one function that binds them to an
// OptionSet. Verb-specific settings live here too while there are few; each verb reads only its
// own. The key-set, alarm and scheduler verbs talk to certmgr's admin API over HTTPS
// (admin_client.hpp); tenant, user, solution-user and admin-cert stay PostgreSQL-direct (--db)
// because the first administrator must exist before the API can be used (bootstrap).
//
// Thread-safety: built in main(), then read-only.

#include <cstdint>
#include <string>
#include <vector>

#include "sigil/base/config.hpp"
#include "sigil/service/common_config.hpp"

namespace sigil::ctl {

struct SigilctlConfig {
  service::LogConfig log;
  std::string server = "https://127.0.0.1:8444";  // certmgr admin API
  bool json = false;
  std::int64_t timeout_ms = 30000;
  // Admin API: the server's CA (empty: HOME/tls/server.crt) and the credential.
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  std::string token_file;
  // signing-cert export-key, admin-cert create
  std::string out_file;
  bool passphrase_stdin = false;
  std::string out_cert_file;
  std::string out_key_file;
  std::string admin_name = "sigilctl-admin";
  // server-cert self-signed / csr: subject of the new certificate (empty: the server's default)
  std::string common_name;
  std::string country;
  // tenant create: the tenant's hostname; server-cert: which hostname's certificate ('': default)
  std::string hostname;
  // alarms list, certmgr run-once, audit list
  std::string at;
  bool include_cleared = false;
  std::int64_t limit = 50;
  // The bootstrap verbs that talk to PostgreSQL directly (tenant, user, solution-user,
  // admin-cert): the database and master key, as the services take them.
  service::DataConfig data;
  std::string tenant = "vsphere.local";
  std::vector<std::string> groups;  // --group, repeatable
  bool password_stdin = false;
  std::string cert_file;
  std::string first_name;
  std::string last_name;
  // signing-cert add / refresh / import, rotate
  std::string key_type;              // empty: the server's default (certmgr --signing-key-type)
  std::int64_t validity_days = 0;     // 0: the server's default
  std::string key_file;
  std::string chain_file;
  std::string peer_ca_file;  // peer add: the other deployment's trust bundle (--ca)
  bool dry_run = false;
  bool force = false;
  bool activate = false;
  // bundle export / import
  bool include_secrets = false;
  bool trust = false;
  // tenant set-policy: empty = unchanged (strings, so "unset" is distinguishable)
  std::string clock_tolerance_s;
  std::string max_bearer_lifetime_s;
  std::string max_hok_lifetime_s;
  std::string max_renew_count;
  std::string max_delegation_count;
  std::string lockout_max_failures;
  std::string lockout_window_s;
  std::string lockout_duration_s;
  // `status`
  std::string sts_metrics = "http://127.0.0.1:9443";
  std::string certmgr_metrics = "http://127.0.0.1:9444";
};

void bind_options(config::OptionSet& options, SigilctlConfig* cfg);

}  // namespace sigil::ctl
