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
}

}  // namespace sigil::ctl
