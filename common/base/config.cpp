#include "sigil/base/config.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace sigil::config {
namespace {

constexpr size_t kMaxConfigFileBytes = 1 << 20;

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kInvalidArgument, "cannot read config file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > kMaxConfigFileBytes) {
    return fail(Errc::kInvalidArgument, "config file " + path + " is larger than 1 MiB");
  }
  return s;
}

// Flattens {"log":{"format":"json"}} into {"log.format": "json"}.
Result<void> flatten(const boost::json::value& v, const std::string& prefix,
                     std::vector<std::pair<std::string, std::string>>& out) {
  switch (v.kind()) {
    case boost::json::kind::object:
      for (const auto& kv : v.get_object()) {
        std::string key = prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
        SIGIL_TRY_VOID(flatten(kv.value(), key, out));
      }
      return {};
    case boost::json::kind::string:
      out.emplace_back(prefix, std::string(v.get_string()));
      return {};
    case boost::json::kind::int64:
      out.emplace_back(prefix, std::to_string(v.get_int64()));
      return {};
    case boost::json::kind::uint64:
      out.emplace_back(prefix, std::to_string(v.get_uint64()));
      return {};
    case boost::json::kind::bool_:
      out.emplace_back(prefix, v.get_bool() ? "true" : "false");
      return {};
    default:
      return fail(Errc::kInvalidArgument,
                  "config key '" + prefix + "' must be a string, an integer or a boolean");
  }
}

Result<bool> parse_bool(std::string_view v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return fail(Errc::kInvalidArgument, "expected true or false");
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (kv.substr(0, 6) != "SIGIL_") continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::vector<std::string> args_of(int argc, char** argv) {
  std::vector<std::string> v;
  for (int i = 1; i < argc; ++i) v.emplace_back(argv[i]);
  return v;
}

void OptionSet::add(OptionInfo info, bool is_bool,
                    std::function<Result<void>(std::string_view)> set,
                    std::function<std::string()> show) {
  Option o{std::move(info), is_bool, false, show(), std::move(set), std::move(show)};
  options_.push_back(std::move(o));
}

void OptionSet::add_string(OptionInfo info, std::string* target) {
  add(std::move(info), false,
      [target](std::string_view v) -> Result<void> {
        *target = std::string(v);
        return {};
      },
      [target] { return *target; });
}

void OptionSet::add_int(OptionInfo info, std::int64_t* target, std::int64_t min,
                        std::int64_t max) {
  add(std::move(info), false,
      [target, min, max](std::string_view v) -> Result<void> {
        std::int64_t n = 0;
        auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
          return fail(Errc::kInvalidArgument, "expected an integer");
        }
        if (n < min || n > max) {
          return fail(Errc::kInvalidArgument, "must be between " + std::to_string(min) + " and " +
                                                  std::to_string(max));
        }
        *target = n;
        return {};
      },
      [target] { return std::to_string(*target); });
}

void OptionSet::add_bool(OptionInfo info, bool* target) {
  add(std::move(info), true,
      [target](std::string_view v) -> Result<void> {
        SIGIL_TRY(bool b, parse_bool(v));
        *target = b;
        return {};
      },
      [target] { return std::string(*target ? "true" : "false"); });
}

void OptionSet::add_choice(OptionInfo info, std::string* target,
                           std::vector<std::string> choices) {
  add(std::move(info), false,
      [target, choices](std::string_view v) -> Result<void> {
        for (const auto& c : choices) {
          if (c == v) {
            *target = c;
            return {};
          }
        }
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
        return fail(Errc::kInvalidArgument, "must be one of " + all);
      },
      [target] { return *target; });
}

void OptionSet::add_string_list(OptionInfo info, std::vector<std::string>* target) {
  add(std::move(info), false,
      [target](std::string_view v) -> Result<void> {
        target->clear();
        size_t start = 0;
        while (start <= v.size()) {
          size_t comma = v.find(',', start);
          if (comma == std::string_view::npos) comma = v.size();
          if (comma > start) target->emplace_back(v.substr(start, comma - start));
          start = comma + 1;
        }
        return {};
      },
      [target] {
        std::string joined;
        for (const auto& v : *target) joined += (joined.empty() ? "" : ",") + v;
        return joined;
      });
  options_.back().is_list = true;
}

Result<void> OptionSet::apply(const Option& o, std::string_view value, std::string_view source) {
  auto r = o.set(value);
  if (r) return {};
  std::string name = o.info.flag.empty() ? o.info.key : o.info.flag;
  return fail(Errc::kInvalidArgument,
              "invalid value for " + name + " (from " + std::string(source) + "): " +
                  r.error().message);
}

Result<void> OptionSet::apply_file(const std::string& path) {
  SIGIL_TRY(std::string text, read_file(path));
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 16;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec || !v.is_object()) {
    return fail(Errc::kInvalidArgument,
                "config file " + path + " is not a JSON object" + (ec ? ": " + ec.message() : ""));
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  SIGIL_TRY_VOID(flatten(v, "", pairs));
  for (const auto& [key, value] : pairs) {
    const Option* found = nullptr;
    for (const auto& o : options_) {
      if (o.info.key == key) found = &o;
    }
    if (!found) return fail(Errc::kInvalidArgument, "unknown config key '" + key + "' in " + path);
    SIGIL_TRY_VOID(apply(*found, value, path));
  }
  return {};
}

const OptionSet::Option* OptionSet::find_flag(std::string_view flag) const {
  for (const auto& o : options_) {
    if (!o.info.flag.empty() && o.info.flag == flag) return &o;
  }
  return nullptr;
}

Result<LoadResult> OptionSet::load(std::span<const std::string> args, const Environment& env) {
  LoadResult result;
  // Pass 1: find --config so the file is applied before environment and flags.
  if (auto it = env.find("SIGIL_CONFIG"); it != env.end()) result.config_file = it->second;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == "--config" && i + 1 < args.size()) result.config_file = args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) result.config_file = args[i].substr(9);
  }
  if (!result.config_file.empty()) SIGIL_TRY_VOID(apply_file(result.config_file));
  for (const auto& o : options_) {
    if (o.info.env.empty()) continue;
    if (auto it = env.find(o.info.env); it != env.end()) {
      SIGIL_TRY_VOID(apply(o, it->second, o.info.env));
    }
  }
  bool flags_done = false;
  std::set<std::string> listed;  // list flags seen so far
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a.size() < 2 || a[0] != '-' || a == "-") {
      result.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      result.help = true;
      continue;
    }
    if (a == "--version") {
      result.version = true;
      continue;
    }
    if (a == "--print-config") {
      result.print_config = true;
      continue;
    }
    auto eq = a.find('=');
    std::string name = a.substr(0, eq);
    if (name == "--config") {
      if (eq == std::string::npos) ++i;
      continue;
    }
    const Option* o = find_flag(name);
    if (!o) return fail(Errc::kInvalidArgument, "unknown flag " + name + " (see --help)");
    std::string value;
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (o->is_bool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fail(Errc::kInvalidArgument, "flag " + name + " needs a value");
    }
    if (o->is_list) {
      // The first occurrence replaces values from the file or environment; later ones append.
      std::string joined = listed.count(name) ? o->show() + "," + value : value;
      listed.insert(name);
      SIGIL_TRY_VOID(apply(*o, joined, name));
      continue;
    }
    SIGIL_TRY_VOID(apply(*o, value, name));
  }
  return result;
}

std::string OptionSet::help() const {
  std::string out = "Options (precedence: defaults < --config FILE < environment < flags):\n";
  for (const auto& o : options_) {
    out += "  " + (o.info.flag.empty() ? "(no flag)" : o.info.flag);
    if (!o.info.value_name.empty()) out += " " + o.info.value_name;
    out += "\n      " + o.info.help + "\n      ";
    if (!o.info.env.empty()) out += "env " + o.info.env + ", ";
    out += "file key \"" + o.info.key + "\", default ";
    out += o.default_value.empty() ? "(none)" : (o.info.secret ? "(redacted)" : o.default_value);
    out += "\n";
  }
  out += "  --config FILE\n      JSON config file (env SIGIL_CONFIG)\n";
  out += "  --print-config\n      print the merged configuration (secrets redacted) and exit\n";
  out += "  --help, --version\n";
  return out;
}

std::string OptionSet::to_json() const {
  boost::json::object root;
  for (const auto& o : options_) {
    std::string v = o.show();
    root[o.info.key] = o.info.secret && !v.empty() ? std::string("(redacted)") : v;
  }
  return boost::json::serialize(root);
}

}  // namespace sigil::config
