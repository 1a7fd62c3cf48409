// sigilctl: the operator CLI. Wiring only: global options, the verb table, dispatch. Each verb
// lives in its own file (docs/reference/style.md §1); admin verbs talk to certmgr over HTTPS.
#include <cstdio>
#include <span>
#include <string>

#include "admin_verbs.hpp"
#include "bundle.hpp"
#include "config.hpp"
#include "peer.hpp"
#include "sigil/service/cli.hpp"
#include "server_cert.hpp"
#include "signing_cert.hpp"
#include "status.hpp"
#include "tenant.hpp"
#include "user.hpp"

namespace {

using namespace sigil;

struct Verb {
  std::string_view name;
  std::string_view summary;
  std::string_view help;
  int (*run)(const ctl::SigilctlConfig&, std::span<const std::string>, std::FILE*, std::FILE*);
};

// Only verbs that work today are listed (token is still to come).
constexpr Verb kVerbs[] = {
    {"status", "health and readiness of sigil-sts and sigil-certmgr", ctl::kStatusHelp,
     ctl::run_status},
    {"tenant", "create, list and show tenants; their token policy and hostnames", ctl::kTenantHelp,
     ctl::run_tenant},
    {"user", "add, list, remove and unlock local users", ctl::kUserHelp, ctl::run_user},
    {"solution-user", "add and list certificate-authenticated users", ctl::kSolutionUserHelp,
     ctl::run_solution_user},
    {"signing-cert", "the tenant's token-signing key set: list, show, add, activate, refresh, import",
     ctl::kSigningCertHelp, ctl::run_signing_cert},
    {"server-cert", "the HTTPS server certificate: show, self-signed, csr, import, export",
     ctl::kServerCertHelp, ctl::run_server_cert},
    {"rotate", "preview a rotation: which live tokens a key removal would strand",
     ctl::kRotateHelp, ctl::run_rotate},
    {"alarms", "certificate expiry alarms", ctl::kAlarmsHelp, ctl::run_alarms},
    {"certmgr", "run one certmgr scheduler pass, optionally as of another time",
     ctl::kCertmgrHelp, ctl::run_certmgr},
    {"audit", "the tenant's audit log", ctl::kAuditHelp, ctl::run_audit},
    {"admin-cert", "create an admin client certificate for the admin API (bootstrap)",
     ctl::kAdminCertHelp, ctl::run_admin_cert},
    {"bundle", "signed configuration bundles: export, import, trusted list", ctl::kBundleHelp,
     ctl::run_bundle},
    {"peer", "linked peer deployments: identity, add, list, remove", ctl::kPeerHelp,
     ctl::run_peer},
};

const Verb* find_verb(std::string_view name) {
  for (const auto& v : kVerbs) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::string verb_help(std::string_view name) {
  const Verb* v = find_verb(name);
  return v == nullptr ? std::string() : std::string(v->help);
}

constexpr service::Program kProgram{
    .name = "sigilctl",
    .synopsis = "sigilctl [OPTIONS] VERB [ARGS]",
    .description = "Operator CLI for Sigil.\n",
    .commands =
        "Verbs:\n"
        "  status          health and readiness of sigil-sts and sigil-certmgr\n"
        "  tenant          create, list and show tenants; their token policy and hostnames\n"
        "  user            add, list, remove and unlock local users\n"
        "  solution-user   add and list certificate-authenticated users\n"
        "  signing-cert    the token-signing key set: list, show, add, activate, refresh, import,\n"
        "                  export-key\n"
        "  server-cert     the HTTPS server certificate: show, self-signed, csr, import, export\n"
        "  rotate          --dry-run: which live tokens removing a signing key would strand\n"
        "  alarms          list: certificate expiry alarms\n"
        "  certmgr         run-once: one scheduler pass of the deployment (system tenant admins)\n"
        "  audit           list: the tenant's audit log\n"
        "  admin-cert      create: an admin client certificate for the admin API (bootstrap)\n"
        "  bundle          export, import, trusted list: signed configuration bundles\n"
        "  peer            identity, add, list, remove: linked peer deployments\n"
        "\n"
        "signing-cert, server-cert, rotate, alarms, certmgr, audit, peer and bundle use certmgr's\n"
        "admin API over HTTPS (--server, --ca-file, and --client-cert/--client-key or\n"
        "--token-file).\n"
        "tenant, user, solution-user and admin-cert use PostgreSQL directly (--db): the\n"
        "bootstrap, since the first administrator must exist before the admin API can be used.\n"
        "\n"
        "`sigilctl VERB --help` describes one verb.\n",
    .epilog =
        "Exit status: 0 success, 1 the operation or a check failed, 2 bad command line.\n"
        "SIGTERM/SIGINT end sigilctl at once with the default signal action (the shell\n"
        "reports 143/130); no verb leaves state behind that would need cleaning up.\n",
    .command_help = verb_help,
};

int run(int argc, char** argv) {
  ctl::SigilctlConfig cfg;
  config::OptionSet options;
  ctl::bind_options(options, &cfg);
  auto args = config::args_of(argc, argv);
  auto cl = service::parse_command_line(kProgram, options, args, config::process_environment());
  if (cl.exit_code) return *cl.exit_code;
  if (cl.positionals.empty()) return service::usage_error(kProgram, "no verb given (see --help)");
  const Verb* verb = find_verb(cl.positionals.front());
  if (verb == nullptr) {
    return service::usage_error(kProgram,
                                "unknown verb '" + cl.positionals.front() + "' (see --help)");
  }
  std::span<const std::string> rest(cl.positionals);
  return verb->run(cfg, rest.subspan(1), stdout, stderr);
}

}  // namespace

int main(int argc, char** argv) { return sigil::service::run_main(kProgram, run, argc, argv); }
