#include "config.hpp"

namespace sigil::certmgr {

void bind_options(config::OptionSet& options, CertmgrConfig* cfg) {
  service::bind_data_options(options, &cfg->data);
  options.add_int({"db_wait_s", "--db-wait-s", "SIGIL_CERTMGR_DB_WAIT_S", "SECONDS",
                   "how long startup and `migrate` retry an unreachable database"},
                  &cfg->db_wait_s, 0, 3600);
  service::bind_service_options(options, &cfg->service, "SIGIL_CERTMGR_");
  service::bind_log_options(options, &cfg->log);
}

Result<void> validate(const CertmgrConfig& cfg) { return service::validate(cfg.service); }

}  // namespace sigil::certmgr
