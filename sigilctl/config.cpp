#include "config.hpp"

namespace sigil::ctl {

void bind_options(config::OptionSet& options, SigilctlConfig* cfg) {
  options.add_string({"server", "--server", "SIGIL_SERVER", "URL",
                      "certmgr admin API (used by the admin verbs as they arrive)"},
                     &cfg->server);
  options.add_bool({"json", "--json", "SIGIL_JSON", "", "print JSON instead of a table"},
                   &cfg->json);
  options.add_int(
      {"timeout_ms", "--timeout-ms", "SIGIL_TIMEOUT_MS", "MS", "deadline of each HTTP request"},
      &cfg->timeout_ms, 1, 600'000);
  options.add_string({"status.sts_metrics", "--sts-metrics", "SIGIL_STS_METRICS_URL", "URL",
                      "status: sigil-sts metrics/health listener"},
                     &cfg->sts_metrics);
  options.add_string({"status.certmgr_metrics", "--certmgr-metrics", "SIGIL_CERTMGR_METRICS_URL",
                      "URL", "status: sigil-certmgr metrics/health listener"},
                     &cfg->certmgr_metrics);
  service::bind_log_options(options, &cfg->log);
  service::bind_data_options(options, &cfg->data);
  options.add_string({"tenant", "--tenant", "SIGIL_TENANT", "NAME", "tenant a verb acts on"},
                     &cfg->tenant);
  options.add_string_list({"group", "--group", "", "GROUP",
                           "user, solution-user add: a group (repeatable)"},
                          &cfg->groups);
  options.add_bool({"password_stdin", "--password-stdin", "", "",
                    "user add: read the password from standard input (first line)"},
                   &cfg->password_stdin);
  options.add_string({"cert", "--cert", "", "FILE", "solution-user add: certificate (PEM)"},
                     &cfg->cert_file);
  options.add_string({"first_name", "--first-name", "", "NAME", "user add: given name"},
                     &cfg->first_name);
  options.add_string({"last_name", "--last-name", "", "NAME", "user add: surname"},
                     &cfg->last_name);
}

}  // namespace sigil::ctl
