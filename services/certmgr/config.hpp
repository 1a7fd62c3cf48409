#pragma once
// CertmgrConfig: every setting of sigil-certmgr, and the one function that binds it to an
// OptionSet (flags, SIGIL_* environment, JSON file keys and --help come from that binding).
//
// Thread-safety: built and validated in main(), then frozen as shared_ptr<const CertmgrConfig>.

#include <cstdint>

#include "sigil/base/config.hpp"
#include "sigil/base/result.hpp"
#include "sigil/service/common_config.hpp"

namespace sigil::certmgr {

struct CertmgrConfig {
  service::LogConfig log;
  service::DataConfig data;
  service::ServiceConfig service{.listen = "127.0.0.1:8444", .metrics_listen = "127.0.0.1:9444"};
  // At startup (and for `migrate`), how long an unreachable database is retried before giving
  // up: in Kubernetes PostgreSQL may come up after us.
  std::int64_t db_wait_s = 30;
};

void bind_options(config::OptionSet& options, CertmgrConfig* cfg);
Result<void> validate(const CertmgrConfig& cfg);

}  // namespace sigil::certmgr
