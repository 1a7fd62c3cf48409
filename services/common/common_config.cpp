#include "sigil/service/common_config.hpp"

#include "sigil/http/address.hpp"

namespace sigil::service {

void bind_log_options(config::OptionSet& options, LogConfig* cfg) {
  options.add_choice({"log.format", "--log-format", "SIGIL_LOG_FORMAT", "text|json",
                      "log line format: logfmt text or one JSON object per line"},
                     &cfg->format, {"text", "json"});
  options.add_choice({"log.level", "--log-level", "SIGIL_LOG_LEVEL", "debug|info|warn|error",
                      "lowest level that is logged"},
                     &cfg->level, {"debug", "info", "warn", "error"});
}

void bind_data_options(config::OptionSet& options, DataConfig* cfg) {
  options.add_string({"db", "--db", "SIGIL_DB", "CONNINFO",
                      "PostgreSQL connection string (libpq key=value or postgresql:// URI)",
                      /*secret=*/true},
                     &cfg->db);
  options.add_string({"home", "--home", "SIGIL_HOME", "DIR", "data directory"}, &cfg->home);
  options.add_string({"master_key_file", "--master-key-file", "SIGIL_MASTER_KEY_FILE", "FILE",
                      "key that encrypts private keys at rest (default: HOME/master.key)"},
                     &cfg->master_key_file);
}

void bind_service_options(config::OptionSet& options, ServiceConfig* cfg,
                          std::string_view env_prefix) {
  std::string p(env_prefix);
  options.add_string({"listen", "--listen", p + "LISTEN", "HOST:PORT",
                      "main HTTPS listener (sts: WS-Trust and REST; certmgr: admin API)"},
                     &cfg->listen);
  options.add_string({"metrics.listen", "--metrics-listen", p + "METRICS_LISTEN", "HOST:PORT",
                      "plain HTTP listener for /healthz, /readyz and /metrics (port 0: any)"},
                     &cfg->metrics_listen);
  options.add_int(
      {"threads", "--threads", p + "THREADS", "N", "I/O threads; 0 means one per CPU core"},
      &cfg->threads, 0, 1024);
  options.add_int({"drain_timeout_ms", "--drain-timeout-ms", p + "DRAIN_TIMEOUT_MS", "MS",
                   "on SIGTERM, how long in-flight requests may finish before connections are "
                   "closed"},
                  &cfg->drain_timeout_ms, 0, 600'000);
  options.add_int({"connections.max", "--max-connections", p + "MAX_CONNECTIONS", "N",
                   "connections the main listener holds open at most; more are refused at "
                   "accept (or take the slot of an idle one)"},
                  &cfg->max_connections, 1, 1'000'000);
  options.add_int({"connections.per_address", "--max-connections-per-address",
                   p + "MAX_CONNECTIONS_PER_ADDRESS", "N",
                   "connections one client address (IPv6: its /64) may hold open; 0: no limit "
                   "(set 0 when clients arrive through one NAT or proxy address)"},
                  &cfg->max_connections_per_address, 0, 1'000'000);
  options.add_int({"connections.pressure_percent", "--pressure-percent",
                   p + "PRESSURE_PERCENT", "PERCENT",
                   "from this share of --max-connections on, the listener is under pressure: "
                   "waits on clients are cut to --pressure-timeout-ms"},
                  &cfg->pressure_percent, 1, 100);
  options.add_int({"connections.pressure_timeout_ms", "--pressure-timeout-ms",
                   p + "PRESSURE_TIMEOUT_MS", "MS",
                   "under pressure: the deadline for a TLS handshake, a request header and "
                   "keep-alive idle time (also for connections already waiting)"},
                  &cfg->pressure_timeout_ms, 100, 600'000);
  options.add_int({"connections.keepalive_timeout_ms", "--keepalive-timeout-ms",
                   p + "KEEPALIVE_TIMEOUT_MS", "MS",
                   "how long an idle keep-alive connection is kept between requests"},
                  &cfg->keepalive_timeout_ms, 100, 3'600'000);
}

Result<void> validate(const ServiceConfig& cfg) {
  if (auto r = http::parse_host_port(cfg.listen); !r) {
    return fail(Errc::kInvalidArgument, "--listen: " + r.error().message);
  }
  if (auto r = http::parse_host_port(cfg.metrics_listen); !r) {
    return fail(Errc::kInvalidArgument, "--metrics-listen: " + r.error().message);
  }
  return {};
}

Result<std::unique_ptr<log::Logger>> make_logger(const LogConfig& cfg) {
  SIGIL_TRY(log::Format format, log::parse_format(cfg.format));
  SIGIL_TRY(log::Level level, log::parse_level(cfg.level));
  return std::make_unique<log::Logger>(format, level, stderr);
}

}  // namespace sigil::service
