#pragma once
// SigilctlConfig: the global settings of sigilctl and the one function that binds them to an
// OptionSet. Verb-specific settings live here too while there are few; each verb reads only its
// own. sigilctl talks to the services over HTTP only (STYLE.md §1), so it has no --db.
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
  std::string server = "https://127.0.0.1:8444";  // certmgr admin API (verbs to come)
  bool json = false;
  std::int64_t timeout_ms = 5000;
  // Verbs that still talk to PostgreSQL directly (tenant, user, solution-user) until
  // certmgr's admin API exists: the database and master key, as the services take them.
  service::DataConfig data;
  std::string tenant = "vsphere.local";
  std::vector<std::string> groups;  // --group, repeatable
  bool password_stdin = false;
  std::string cert_file;
  std::string first_name;
  std::string last_name;
  // signing-cert add / refresh / import, rotate
  std::string key_type = "rsa-2048";
  std::int64_t validity_days = 3653;
  std::string key_file;
  std::string chain_file;
  bool dry_run = false;
  bool force = false;
  bool activate = false;
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
