#pragma once
// Typed configuration. Each binary has one plain struct (StsConfig, CertmgrConfig, ...) and binds
// its fields to an OptionSet once. Loading applies, in increasing precedence:
//   defaults (the struct's initialisers) < config file (JSON) < environment (SIGIL_*) < flags
// The file comes from --config FILE or SIGIL_CONFIG. Unknown flags and unknown file keys are
// errors. After load() the caller validates and freezes the struct (shared_ptr<const T>).
//
// Thread-safety: an OptionSet is used from main() only, before any thread starts.

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sigil/base/result.hpp"

namespace sigil::config {

using Environment = std::map<std::string, std::string, std::less<>>;

// A copy of the process environment (only SIGIL_* variables are ever read from it).
Environment process_environment();

// What an option is called in each source, and how to show it in --help.
struct OptionInfo {
  std::string key;         // dotted path in the JSON file, e.g. "log.format"
  std::string flag;        // e.g. "--log-format"; empty = no flag
  std::string env;         // e.g. "SIGIL_LOG_FORMAT"; empty = not from the environment
  std::string value_name;  // e.g. "text|json", shown in --help
  std::string help;        // one line
  bool secret = false;     // redacted by --print-config
};

struct LoadResult {
  std::vector<std::string> positionals;  // arguments that are not flags (sub-commands, files)
  bool help = false;                     // --help / -h
  bool version = false;                  // --version
  bool print_config = false;             // --print-config
  std::string config_file;               // the file that was read, if any
};

class OptionSet {
 public:
  void add_string(OptionInfo info, std::string* target);
  void add_int(OptionInfo info, std::int64_t* target, std::int64_t min, std::int64_t max);
  void add_bool(OptionInfo info, bool* target);
  void add_choice(OptionInfo info, std::string* target, std::vector<std::string> choices);
  // A list: each occurrence of the flag appends one value; the environment and the file give
  // a comma-separated list. Values from a higher-precedence source replace lower ones.
  void add_string_list(OptionInfo info, std::vector<std::string>* target);

  // args excludes argv[0].
  Result<LoadResult> load(std::span<const std::string> args, const Environment& env);

  // Every option: flag, environment variable, file key, default and help, one block each.
  std::string help() const;
  // The merged configuration as a JSON object keyed by the dotted keys; secrets redacted.
  std::string to_json() const;

 private:
  struct Option {
    OptionInfo info;
    bool is_bool = false;
    bool is_list = false;
    std::string default_value;
    std::function<Result<void>(std::string_view)> set;
    std::function<std::string()> show;
  };
  void add(OptionInfo info, bool is_bool, std::function<Result<void>(std::string_view)> set,
           std::function<std::string()> show);
  Result<void> apply(const Option& o, std::string_view value, std::string_view source);
  Result<void> apply_file(const std::string& path);
  const Option* find_flag(std::string_view flag) const;

  std::vector<Option> options_;
};

// Splits argv into a vector of strings (without argv[0]).
std::vector<std::string> args_of(int argc, char** argv);

}  // namespace sigil::config
