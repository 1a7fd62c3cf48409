#include "config.hpp"

namespace sigil::sts {

void bind_options(config::OptionSet& options, StsConfig* cfg) {
  service::bind_data_options(options, &cfg->data);
  service::bind_service_options(options, &cfg->service, "SIGIL_STS_");
  service::bind_log_options(options, &cfg->log);
}

Result<void> validate(const StsConfig& cfg) { return service::validate(cfg.service); }

}  // namespace sigil::sts
