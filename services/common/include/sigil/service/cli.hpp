#pragma once
// Command-line handling shared by sigil-sts, sigil-certmgr and sigilctl, so that every binary
// behaves the same: `--help` (synopsis, commands, every option), `--version` ("sigil-sts 0.1.0"),
// `--print-config` (merged JSON, secrets redacted), a bad flag or value -> one line on stderr and
// exit 2, a startup failure -> one line on stderr and exit 1.
//
// Thread-safety: used from main() only.

#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/config.hpp"
#include "sigil/base/error.hpp"

namespace sigil::service {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // startup or runtime failure, a failed check
inline constexpr int kExitUsage = 2;    // bad flag, value, command or missing setting

/// The version of this build, from CMake's PROJECT_VERSION.
std::string_view version();

// A literal type, so each binary's Program is a constexpr constant (no static initialisers).
struct Program {
  std::string_view name;         // "sigil-sts"
  std::string_view synopsis;     // "sigil-sts [OPTIONS]"
  std::string_view description;  // a few lines
  std::string_view commands;     // "Commands:\n  migrate  ...\n", or empty
  std::string_view epilog;       // e.g. exit statuses; may be empty
  /// `--help` after a command ("sigilctl status --help"): that command's help, or "" when the
  /// command is unknown. Unset: the program's help is shown either way.
  std::string (*command_help)(std::string_view command) = nullptr;
};

struct CommandLine {
  /// Set when the command line was fully handled (help, version, print-config, an error).
  std::optional<int> exit_code;
  std::vector<std::string> positionals;  // commands and their arguments
};

/// Loads `options` from `args` (without argv[0]) and `env`; prints to `out` / `err`.
CommandLine parse_command_line(const Program& program, config::OptionSet& options,
                               std::span<const std::string> args, const config::Environment& env,
                               std::FILE* out = stdout, std::FILE* err = stderr);

/// The full --help text.
std::string help_text(const Program& program, const config::OptionSet& options);

/// Prints "NAME: MESSAGE" (one line) to `err` and returns kExitUsage.
int usage_error(const Program& program, std::string_view message, std::FILE* err = stderr);
/// Prints "NAME: error: MESSAGE: DETAIL" folded onto one line to `err`; returns kExitFailure.
int failure(const Program& program, const Error& error, std::FILE* err = stderr);

/// The body of every binary's main(): runs `run`, and turns an exception that escaped it (a bug;
/// docs/reference/style.md §3 makes main one of the three places that catch) into one line
/// and exit 1.
int run_main(const Program& program, int (*run)(int, char**), int argc, char** argv);

}  // namespace sigil::service
