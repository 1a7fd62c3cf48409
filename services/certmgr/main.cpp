// sigil-certmgr: certificate lifecycle service, and `sigil-certmgr migrate`. Wiring only
// (docs/reference/style.md §1).
#include <chrono>
#include <cstdio>
#include <memory>

#include "config.hpp"
#include "certmgr/app.hpp"
#include "migrate.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/service/cli.hpp"
#include "sigil/service/service_host.hpp"

namespace {

using namespace sigil;

constexpr service::Program kProgram{
    .name = "sigil-certmgr",
    .synopsis = "sigil-certmgr [OPTIONS] [COMMAND]",
    .description =
        "The Sigil certificate manager: owns the lifecycle of signing and server certificates.\n"
        "Without a command it migrates the database (if --db is set) and runs the service:\n"
        "the scheduler, the admin API (HTTPS JSON, /api/v1/admin/..., on --listen; used by\n"
        "sigilctl; see docs/admin-api.md), and /healthz, /readyz and /metrics on\n"
        "--metrics-listen.\n",
    .commands =
        "Commands:\n"
        "  migrate   apply the database migrations, print the versions applied, exit\n"
        "  run-once  run one scheduler pass (renewals, retirements, alarms) and exit;\n"
        "            --at RFC3339 runs it as if the clock said so, --dry-run changes nothing,\n"
        "            --json prints the report as JSON\n",
    .epilog =
        "Exit status: 0 after a clean stop (SIGTERM/SIGINT) or a successful command,\n"
        "1 when startup or the command fails, 2 for a bad command line.\n",
    .command_help = nullptr,
};

int run_migrate(const certmgr::CertmgrConfig& cfg, const log::Logger& logger) {
  if (cfg.data.db.empty()) {
    return service::usage_error(kProgram, "migrate needs a database (--db or SIGIL_DB)");
  }
  auto report = certmgr::migrate_database(cfg.data.db, std::chrono::seconds(cfg.db_wait_s), logger);
  if (!report) return service::failure(kProgram, report.error());
  std::printf("%s\n", certmgr::describe(*report).c_str());
  return service::kExitOk;
}

int run_once(const certmgr::CertmgrConfig& cfg, const log::Logger& logger) {
  if (cfg.data.db.empty()) {
    return service::usage_error(kProgram, "run-once needs a database (--db or SIGIL_DB)");
  }
  TimePoint at = std::chrono::system_clock::now();
  if (!cfg.run_once_at.empty()) {
    auto parsed = parse_time(cfg.run_once_at);
    if (!parsed) {
      return service::usage_error(kProgram, "--at: not an RFC 3339 time: " + cfg.run_once_at);
    }
    at = *parsed;
  }
  auto report = certmgr::run_once(cfg, at, cfg.run_once_dry_run, logger);
  if (!report) return service::failure(kProgram, report.error());
  std::fputs(certmgr::describe(*report, cfg.json).c_str(), stdout);
  return report->failures == 0 ? service::kExitOk : 1;
}

int run_service(const certmgr::CertmgrConfig& cfg, const log::Logger& logger) {
  if (cfg.data.db.empty()) {
    logger.warn("db.not_configured", {{"reason", "no --db or SIGIL_DB; /readyz answers 503"}});
  } else {
    auto report =
        certmgr::migrate_database(cfg.data.db, std::chrono::seconds(cfg.db_wait_s), logger);
    if (!report) return service::failure(kProgram, report.error());
  }
  service::ServiceHost host(kProgram.name, cfg.data, cfg.service, logger);
  if (auto r = host.start(); !r) return service::failure(kProgram, r.error());
  std::unique_ptr<certmgr::CertmgrApp> app;
  if (cfg.data.db.empty()) {
    logger.info("listener.skipped", {{"listener", "admin"}, {"addr", cfg.service.listen},
                                     {"reason", "the admin API needs a database"}});
  } else {
    auto created = certmgr::CertmgrApp::create(cfg, host, logger);
    if (!created) return service::failure(kProgram, created.error());
    app = std::move(*created);
    app->start();
  }
  host.wait_for_signal();
  if (app) app->stop();
  host.stop();
  return service::kExitOk;
}

int run(int argc, char** argv) {
  certmgr::CertmgrConfig cfg;
  config::OptionSet options;
  certmgr::bind_options(options, &cfg);
  auto args = config::args_of(argc, argv);
  auto cl = service::parse_command_line(kProgram, options, args, config::process_environment());
  if (cl.exit_code) return *cl.exit_code;
  if (cl.positionals.size() > 1 ||
      (!cl.positionals.empty() && cl.positionals[0] != "migrate" && cl.positionals[0] != "run-once")) {
    return service::usage_error(kProgram,
                                "unknown command '" + cl.positionals.front() + "' (see --help)");
  }
  if (auto v = certmgr::validate(cfg); !v) return service::usage_error(kProgram, v.error().message);
  auto frozen = std::make_shared<const certmgr::CertmgrConfig>(std::move(cfg));
  auto logger = service::make_logger(frozen->log);
  if (!logger) return service::usage_error(kProgram, logger.error().message);
  if (!cl.positionals.empty() && cl.positionals[0] == "run-once") return run_once(*frozen, **logger);
  if (!cl.positionals.empty()) return run_migrate(*frozen, **logger);
  return run_service(*frozen, **logger);
}

}  // namespace

int main(int argc, char** argv) { return sigil::service::run_main(kProgram, run, argc, argv); }
