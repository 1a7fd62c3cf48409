#pragma once
// The settings every Sigil binary shares, bound once here so that sigil-sts, sigil-certmgr and
// sigilctl spell them the same way (docs/reference/interface.md §2):
//   LogConfig      --log-format text|json (SIGIL_LOG_FORMAT), --log-level (SIGIL_LOG_LEVEL)
//   DataConfig     --db (SIGIL_DB), --home (SIGIL_HOME), --master-key-file (SIGIL_MASTER_KEY_FILE)
//   ServiceConfig  --listen, --metrics-listen, --threads, --drain-timeout-ms and the main
//                  listener's connection limits (--max-connections, --max-connections-per-address,
//                  --pressure-percent, --pressure-timeout-ms, --keepalive-timeout-ms); the
//                  environment names carry the binary (SIGIL_STS_LISTEN, SIGIL_CERTMGR_LISTEN,
//                  ...) so one environment can configure both services.
//
// Thread-safety: used from main() only, before any thread starts.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sigil/base/config.hpp"
#include "sigil/base/log.hpp"
#include "sigil/base/result.hpp"

namespace sigil::service {

struct LogConfig {
  std::string format = "text";
  std::string level = "info";
};

struct DataConfig {
  std::string db;  // libpq conninfo or URI; empty: no database (secret: may hold a password)
  std::string home = "./.sigil";
  std::string master_key_file;  // empty: HOME/master.key (used once keys are stored)
};

struct ServiceConfig {
  std::string listen;          // the main HTTPS listener (served from the WS-Trust issue on)
  std::string metrics_listen;  // plain HTTP: /healthz, /readyz, /metrics
  std::int64_t threads = 0;    // io threads; 0 = one per core
  std::int64_t drain_timeout_ms = 10'000;
  // The main listener's capacity (docs/operations.md "Connection limits").
  std::int64_t max_connections = 1024;
  std::int64_t max_connections_per_address = 64;  // 0: no per-address limit
  std::int64_t pressure_percent = 75;
  std::int64_t pressure_timeout_ms = 2'000;
  std::int64_t keepalive_timeout_ms = 60'000;
};

void bind_log_options(config::OptionSet& options, LogConfig* cfg);
void bind_data_options(config::OptionSet& options, DataConfig* cfg);
/// `env_prefix` is e.g. "SIGIL_STS_".
void bind_service_options(config::OptionSet& options, ServiceConfig* cfg,
                          std::string_view env_prefix);

/// Checks what the OptionSet cannot (addresses parse); kInvalidArgument naming the flag.
Result<void> validate(const ServiceConfig& cfg);

/// A logger writing to stderr in the configured format and level.
Result<std::unique_ptr<log::Logger>> make_logger(const LogConfig& cfg);

}  // namespace sigil::service
