// sigil-sts: the token service. Wiring only (docs/reference/style.md §1): parse the configuration,
// build the host, run until SIGTERM.
#include <memory>

#include "sts/app.hpp"
#include "sts/config.hpp"
#include "sigil/service/cli.hpp"
#include "sigil/service/service_host.hpp"

namespace {

using namespace sigil;

constexpr service::Program kProgram{
    .name = "sigil-sts",
    .synopsis = "sigil-sts [OPTIONS]",
    .description =
        "The Sigil security token service: issues, renews and validates SAML 2.0 tokens over\n"
        "WS-Trust 1.3 and a JSON REST API. Stateless; any number of replicas share one\n"
        "PostgreSQL database. Serves WS-Trust at https://LISTEN/sts/STSService/{tenant}, REST at\n"
        "/api/v1/tenants/{tenant}/tokens, signing certificates at .../signing-certs[.pem] and\n"
        "SAML metadata at /saml/metadata/{tenant}, and /healthz, /readyz and\n"
        "/metrics on --metrics-listen. On a tenant's hostnames (TLS SNI name or Host) the same\n"
        "paths work without {tenant}; a path naming another tenant is refused (421).\n",
    .commands = {},
    .epilog =
        "Exit status: 0 after a clean stop (SIGTERM/SIGINT), 1 when startup fails,\n"
        "2 for a bad command line.\n",
    .command_help = nullptr,
};

int run(int argc, char** argv) {
  sts::StsConfig cfg;
  config::OptionSet options;
  sts::bind_options(options, &cfg);
  auto args = config::args_of(argc, argv);
  auto cl = service::parse_command_line(kProgram, options, args, config::process_environment());
  if (cl.exit_code) return *cl.exit_code;
  if (!cl.positionals.empty()) {
    return service::usage_error(
        kProgram, "unexpected argument '" + cl.positionals.front() + "' (see --help)");
  }
  if (auto v = sts::validate(cfg); !v) return service::usage_error(kProgram, v.error().message);
  auto frozen = std::make_shared<const sts::StsConfig>(std::move(cfg));
  auto logger = service::make_logger(frozen->log);
  if (!logger) return service::usage_error(kProgram, logger.error().message);

  service::ServiceHost host(kProgram.name, frozen->data, frozen->service, **logger);
  if (auto r = host.start(); !r) return service::failure(kProgram, r.error());
  std::unique_ptr<sts::StsApp> app;
  if (frozen->data.db.empty()) {
    // Without a database there is nothing to serve: stay up for /healthz, not ready.
    (*logger)->warn("listener.skipped", {{"listener", "main"}, {"addr", frozen->service.listen},
                                         {"reason", "no --db or SIGIL_DB; /readyz answers 503"}});
  } else {
    auto created = sts::StsApp::create(*frozen, host, **logger);
    if (!created) return service::failure(kProgram, created.error());
    app = std::move(*created);
    if (auto r = app->start(); !r) return service::failure(kProgram, r.error());
  }
  host.wait_for_signal();
  if (app) app->stop();
  host.stop();
  return service::kExitOk;
}

}  // namespace

int main(int argc, char** argv) { return sigil::service::run_main(kProgram, run, argc, argv); }
