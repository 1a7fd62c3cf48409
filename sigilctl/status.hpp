#pragma once
// `sigilctl status`: GET /healthz and /readyz on the metrics listeners of sigil-sts and
// sigil-certmgr; a table (or JSON with --json) on stdout, one line per failure on stderr.
// Exit 0 only when both services are healthy and ready, 1 otherwise.
//
// Thread-safety: runs on main's thread.

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr std::string_view kStatusHelp =
    "Usage: sigilctl status [--json] [--sts-metrics URL] [--certmgr-metrics URL]\n"
    "\n"
    "Checks GET /healthz and GET /readyz of sigil-sts and sigil-certmgr on their metrics\n"
    "listeners and prints one row per service. Exit status 0 when both are healthy and\n"
    "ready, 1 otherwise (one line per failure on stderr), 2 for a bad command line.\n";

struct ServiceStatus {
  std::string name;
  std::string url;
  bool healthy = false;
  bool ready = false;
  std::string healthz;  // "ok", or what went wrong
  std::string readyz;   // "ready", or what went wrong
};

/// Probes one service at `base_url` (e.g. http://127.0.0.1:9443).
ServiceStatus probe_service(std::string name, std::string_view base_url, int timeout_ms);

std::string format_table(const std::vector<ServiceStatus>& rows);
std::string format_json(const std::vector<ServiceStatus>& rows);

/// The verb. `args` are the arguments after "status" (none are accepted).
int run_status(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
               std::FILE* err);

}  // namespace sigil::ctl
