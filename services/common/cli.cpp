#include "sigil/service/cli.hpp"

#include <exception>

#ifndef SIGIL_VERSION
#error "SIGIL_VERSION must be defined by CMake (PROJECT_VERSION)"
#endif

namespace sigil::service {
namespace {

void print(std::FILE* f, std::string_view s) { std::fwrite(s.data(), 1, s.size(), f); }

// Error texts from libpq and OpenSSL can span lines; a startup error is one line.
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string_view version() { return SIGIL_VERSION; }

std::string help_text(const Program& program, const config::OptionSet& options) {
  std::string out = "Usage: " + std::string(program.synopsis) + "\n\n";
  if (!program.description.empty()) out += std::string(program.description) + "\n";
  if (!program.commands.empty()) out += std::string(program.commands) + "\n";
  out += options.help();
  if (!program.epilog.empty()) out += "\n" + std::string(program.epilog);
  return out;
}

CommandLine parse_command_line(const Program& program, config::OptionSet& options,
                               std::span<const std::string> args, const config::Environment& env,
                               std::FILE* out, std::FILE* err) {
  CommandLine cl;
  auto loaded = options.load(args, env);
  if (!loaded) {
    cl.exit_code = usage_error(program, loaded.error().message, err);
    return cl;
  }
  if (loaded->help && program.command_help != nullptr && !loaded->positionals.empty()) {
    std::string text = program.command_help(loaded->positionals.front());
    if (text.empty()) {
      cl.exit_code = usage_error(
          program, "unknown command '" + loaded->positionals.front() + "' (see --help)", err);
      return cl;
    }
    print(out, text);
    cl.exit_code = kExitOk;
  } else if (loaded->help) {
    print(out, help_text(program, options));
    cl.exit_code = kExitOk;
  } else if (loaded->version) {
    print(out, std::string(program.name) + " " + std::string(version()) + "\n");
    cl.exit_code = kExitOk;
  } else if (loaded->print_config) {
    print(out, options.to_json() + "\n");
    cl.exit_code = kExitOk;
  }
  cl.positionals = std::move(loaded->positionals);
  return cl;
}

int usage_error(const Program& program, std::string_view message, std::FILE* err) {
  print(err, std::string(program.name) + ": " + one_line(std::string(message)) + "\n");
  return kExitUsage;
}

int failure(const Program& program, const Error& error, std::FILE* err) {
  print(err, std::string(program.name) + ": error: " + one_line(error.to_string()) + "\n");
  return kExitFailure;
}

int run_main(const Program& program, int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return failure(program, make_error(Errc::kInternal, "unexpected exception", e.what()));
  } catch (...) {
    return failure(program, make_error(Errc::kInternal, "unexpected exception"));
  }
}

}  // namespace sigil::service
