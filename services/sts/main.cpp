// sigil-sts: the token service. Wiring only (STYLE.md §1): parse the configuration, build the
// host, run until SIGTERM.
#include <exception>
#include <memory>

#include "config.hpp"
#include "sigil/service/cli.hpp"
#include "sigil/service/service_host.hpp"

namespace {

using namespace sigil;

constexpr service::Program kProgram{
    .name = "sigil-sts",
    .synopsis = "sigil-sts [OPTIONS]",
    .description =
        "The Sigil security token service: issues, renews and validates SAML 2.0 tokens over\n"
        "WS-Trust 1.3. Stateless; any number of replicas share one PostgreSQL database.\n"
        "Serves /healthz, /readyz and /metrics on --metrics-listen.\n",
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
  host.wait_for_signal();
  host.stop();
  return service::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // STYLE.md §3: main is one of the three places that catch exceptions.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return service::failure(kProgram,
                            make_error(Errc::kInternal, "unexpected exception", e.what()));
  } catch (...) {
    return service::failure(kProgram, make_error(Errc::kInternal, "unexpected exception"));
  }
}
