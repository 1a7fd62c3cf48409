// The docs name only what exists: every metric named in docs/ (docs/reference/ too) and
// README.md is exported on /metrics by a running sigil-sts or sigil-certmgr, and every
// `sigilctl VERB [SUBVERB]` they show is listed by `sigilctl --help` (and the subverb by
// `sigilctl VERB --help`).
//
// How the docs mark names (docs/metrics.md says so too):
//   - a metric is a `sigil_...` name inside backticks or a fenced code block; names of other
//     things that share the prefix are recognised and skipped: CMake targets (`sigil_<module>`
//     for each common/<module>, `sigil_*_tests`), PostgreSQL NOTIFY channels (every
//     'sigil_...' literal in proto/sql/*.sql) and the test template database;
//   - a CLI verb is `sigilctl VERB [SUBVERB]` inside backticks, or a fenced-block line that
//     starts with `sigilctl` (after an optional `$ ` prompt or a `|`); options (-x, --x) are
//     skipped, upper-case words are placeholders.
// The services run on 127.0.0.1 against the harness PostgreSQL; a token is issued and
// validated (valid and invalid) so the per-tenant series exist.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service_process.hpp"
#include "sigil/crypto/envelope.hpp"
#include "sigil/http/client.hpp"
#include "sigil/testing/pg_environment.hpp"
#include "sigil/testing/process.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where a name was found: "docs/x.md:12".
using Mentions = std::map<std::string, std::vector<std::string>>;

std::vector<fs::path> doc_files() {
  std::vector<fs::path> out{fs::path(SIGIL_SOURCE_DIR) / "README.md"};
  for (const auto& e : fs::recursive_directory_iterator(fs::path(SIGIL_SOURCE_DIR) / "docs")) {
    if (e.path().extension() == ".md") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Code text of a markdown file, line by line: inline code spans outside fences, and whole
// lines inside fenced blocks (flagged, since a verb there must start the line).
struct CodeText {
  std::string where;
  std::string text;
  bool fenced = false;
};

std::vector<CodeText> code_of(const fs::path& file) {
  std::vector<CodeText> out;
  std::istringstream in(slurp(file));
  std::string line;
  bool fenced = false;
  int n = 0;
  const std::string rel = fs::relative(file, SIGIL_SOURCE_DIR).string();
  static const std::regex span("`([^`]+)`");
  while (std::getline(in, line)) {
    ++n;
    std::string where = rel + ":" + std::to_string(n);
    auto first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, 3, "```") == 0) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push_back({where, line, true});
      continue;
    }
    for (std::sregex_iterator it(line.begin(), line.end(), span), end; it != end; ++it) {
      out.push_back({where, (*it)[1].str(), false});
    }
  }
  return out;
}

std::set<std::string> not_metric_names() {
  std::set<std::string> out{"sigil_template"};  // the harness's template database
  for (const auto& e : fs::directory_iterator(fs::path(SIGIL_SOURCE_DIR) / "common")) {
    out.insert("sigil_" + e.path().filename().string());  // CMake targets sigil_<module>
  }
  // Every other CMake target (benchmarks, tools): add_executable/add_library/sigil_executable.
  static const std::regex target(R"((add_executable|add_library|sigil_executable)\(\s*(sigil_[a-z0-9_]+))");
  for (const auto& dir : {"bench", "tests", "services", "sigilctl", "common"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(SIGIL_SOURCE_DIR) / dir)) {
      if (e.path().filename() != "CMakeLists.txt") continue;
      std::string cm = slurp(e.path());
      for (std::sregex_iterator it(cm.begin(), cm.end(), target), end; it != end; ++it) {
        out.insert((*it)[2].str());
      }
    }
  }
  static const std::regex literal("'(sigil_[a-z0-9_]+)'");
  for (const auto& e : fs::directory_iterator(fs::path(SIGIL_SOURCE_DIR) / "proto" / "sql")) {
    std::string sql = slurp(e.path());
    for (std::sregex_iterator it(sql.begin(), sql.end(), literal), end; it != end; ++it) {
      out.insert((*it)[1].str());  // NOTIFY channels
    }
  }
  return out;
}

Mentions metrics_in_docs() {
  Mentions out;
  const auto skip = not_metric_names();
  static const std::regex name(R"((^|[^A-Za-z0-9_])(sigil_[a-z0-9_]+))");
  for (const auto& file : doc_files()) {
    for (const auto& code : code_of(file)) {
      for (std::sregex_iterator it(code.text.begin(), code.text.end(), name), end; it != end;
           ++it) {
        std::string n = (*it)[2].str();
        if (skip.count(n) || (n.size() > 6 && n.rfind("_tests") == n.size() - 6)) continue;
        out[n].push_back(code.where);
      }
    }
  }
  return out;
}

// "VERB" or "VERB SUBVERB" for every sigilctl command line in the docs.
Mentions verbs_in_docs() {
  Mentions out;
  static const std::regex word("^[a-z][a-z0-9-]*$");
  for (const auto& file : doc_files()) {
    for (const auto& code : code_of(file)) {
      std::vector<std::string> commands;
      if (code.fenced) {
        std::string l = code.text;
        l.erase(0, l.find_first_not_of(' '));
        if (l.rfind("$ ", 0) == 0) l.erase(0, 2);
        if (l.rfind("sigilctl ", 0) == 0) commands.push_back(l);
        auto pipe = l.find("| sigilctl ");
        if (pipe != std::string::npos) commands.push_back(l.substr(pipe + 2));
      } else {
        auto at = code.text.find("sigilctl ");
        if (at != std::string::npos && (at == 0 || code.text[at - 1] == ' ')) {
          commands.push_back(code.text.substr(at));
        }
      }
      for (const auto& c : commands) {
        std::istringstream words(c.substr(std::string("sigilctl ").size()));
        std::vector<std::string> positional;
        std::string w;
        while (words >> w && positional.size() < 2) {
          if (w == "|" || w == "#" || w[0] == '[') break;
          if (w[0] == '-') continue;
          if (!std::regex_match(w, word)) {
            if (positional.empty()) positional.push_back("");  // placeholder verb: skip all
            break;
          }
          positional.push_back(w);
        }
        if (positional.empty() || positional[0].empty()) continue;
        std::string key = positional[0];
        if (positional.size() > 1) key += " " + positional[1];
        out[key].push_back(code.where);
      }
    }
  }
  return out;
}

// Metric names a /metrics text declares (# HELP/# TYPE) or has samples of.
std::set<std::string> exported_names(const std::string& text) {
  std::set<std::string> out;
  for (const auto& l : lines(text)) {
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) {
      std::string rest = l.substr(7);
      out.insert(rest.substr(0, rest.find(' ')));
    } else if (!l.empty() && l[0] != '#') {
      out.insert(l.substr(0, l.find_first_of("{ ")));
    }
  }
  return out;
}

std::string report(const Mentions& missing) {
  std::string s;
  for (const auto& [name, where] : missing) {
    s += "  " + name + "  (";
    for (size_t i = 0; i < where.size(); ++i) s += (i ? ", " : "") + where[i];
    s += ")\n";
  }
  return s;
}

ProcessResult run_ok(std::vector<std::string> argv, std::vector<std::string> env = {},
                     std::string stdin_data = {}) {
  ProcessOptions o;
  o.env = std::move(env);
  o.stdin_data = std::move(stdin_data);
  o.timeout = std::chrono::seconds(60);
  auto r = run_process(argv, o);
  EXPECT_TRUE(r) << r.error();
  if (!r) return {};
  EXPECT_EQ(r->exit_code, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": "
                             << r->err;
  return *r;
}

TEST(DocsNames, TheScannerFindsMarkedNamesAndSkipsOthers) {
  // The rules above, on this file's own header would be circular; check them on the docs:
  // the metrics reference must contribute names, and CMake targets must not be metrics.
  auto metrics = metrics_in_docs();
  EXPECT_TRUE(metrics.count("sigil_ready")) << report(metrics);
  EXPECT_FALSE(metrics.count("sigil_crypto"));
  EXPECT_FALSE(metrics.count("sigil_unit_tests"));
  auto verbs = verbs_in_docs();
  EXPECT_TRUE(verbs.count("status")) << report(verbs);
  EXPECT_FALSE(verbs.count("VERB"));
}

TEST(DocsNames, EveryVerbInTheDocsIsInSigilctlHelp) {
  const std::string help = run_ok({sigilctl_binary(), "--help"}).out;
  // Verbs: the indented first words of the "Verbs:" section.
  std::set<std::string> verbs;
  std::istringstream in(help.substr(help.find("Verbs:")));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line) && line.rfind("  ", 0) == 0) {
    if (line.size() > 2 && line[2] == ' ') continue;  // a summary's continuation line
    std::istringstream w(line);
    std::string v;
    w >> v;
    verbs.insert(v);
  }
  ASSERT_TRUE(verbs.count("status")) << help;
  // Subverbs: lower-case words of each verb's usage lines (up to the first unindented line
  // that is not a Usage line), options excluded.
  std::map<std::string, std::set<std::string>> subverbs;
  static const std::regex word(R"((^|[\s|(])([a-z][a-z0-9-]*)(?=$|[\s|)]))");
  for (const auto& v : verbs) {
    std::string vh = run_ok({sigilctl_binary(), v, "--help"}).out;
    std::istringstream vin(vh);
    while (std::getline(vin, line)) {
      if (line.rfind("Usage:", 0) != 0 && line.rfind(" ", 0) != 0) break;
      for (std::sregex_iterator it(line.begin(), line.end(), word), end; it != end; ++it) {
        subverbs[v].insert((*it)[2].str());
      }
    }
  }
  Mentions missing;
  for (const auto& [cmd, where] : verbs_in_docs()) {
    std::string verb = cmd.substr(0, cmd.find(' '));
    std::string sub = cmd.find(' ') == std::string::npos ? "" : cmd.substr(cmd.find(' ') + 1);
    if (!verbs.count(verb) || (!sub.empty() && !subverbs[verb].count(sub))) {
      missing["sigilctl " + cmd] = where;
    }
  }
  EXPECT_TRUE(missing.empty()) << "sigilctl commands named in the docs that `sigilctl --help` / "
                                  "`sigilctl VERB --help` do not list:\n"
                               << report(missing);
}

class DocsMetrics : public PgTest {};

TEST_F(DocsMetrics, EveryMetricInTheDocsIsOnMetrics) {
  auto dir = TempDir::create("sigil-docs-");
  ASSERT_TRUE(dir) << dir.error();
  const std::string key = (dir->path() / "master.key").string();
  const std::string sts_home = (dir->path() / "sts").string();
  fs::create_directories(sts_home);
  ASSERT_TRUE(crypto::create_master_key_file(key));
  const std::vector<std::string> env{"SIGIL_DB=" + conninfo(), "SIGIL_MASTER_KEY_FILE=" + key,
                                     "SIGIL_HOME=" + dir->path().string()};
  run_ok({sigilctl_binary(), "tenant", "create", "vsphere.local"}, env);
  run_ok({sigilctl_binary(), "user", "add", "alice", "--password-stdin"}, env, "Right-pass1\n");

  auto certmgr = RunningService::start(certmgr_binary(),
                                       {"--db", conninfo(), "--master-key-file", key});
  ASSERT_TRUE(certmgr) << certmgr.error();
  auto sts = RunningService::start(
      sts_binary(), {"--db", conninfo(), "--master-key-file", key, "--home", sts_home});
  ASSERT_TRUE(sts) << sts.error();
  std::optional<std::uint16_t> port;
  for (int i = 0; i < 100 && !port; ++i) {
    port = listener_port(sts->log(), "main");
    if (!port) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(port) << sts->log();
  for (auto* svc : {&*sts, &*certmgr}) {
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
      auto r = http::get(svc->base_url() + "/readyz");
      ready = r && r->status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << svc->log();
  }

  // Issue a token and validate it, and a forged one, over the JSON API (curl, TLS verified).
  const std::string base = "https://127.0.0.1:" + std::to_string(*port) +
                           "/api/v1/tenants/vsphere.local/tokens";
  auto curl = [&](const std::string& url, const std::string& body) {
    return run_ok({"curl", "-sS", "--max-time", "20", "--cacert", sts_home + "/tls/server.crt",
                   "-H", "Content-Type: application/json", "--data-binary", body, url})
        .out;
  };
  std::string issued =
      curl(base, R"({"grant":"password","username":"alice","password":"Right-pass1"})");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(issued, m, std::regex(R"re("token"\s*:\s*"([^"]+)")re")))
      << issued;
  EXPECT_NE(curl(base + "/validate", "{\"token\":\"" + m[1].str() + "\"}").find("true"),
            std::string::npos);
  EXPECT_NE(curl(base + "/validate", R"({"token":"bm90IGEgdG9rZW4="})").find("false"),
            std::string::npos);

  std::set<std::string> exported;
  std::string texts;
  for (auto* svc : {&*sts, &*certmgr}) {
    auto r = http::get(svc->base_url() + "/metrics");
    ASSERT_TRUE(r) << r.error();
    ASSERT_EQ(r->status, 200u);
    auto names = exported_names(r->body);
    exported.insert(names.begin(), names.end());
    texts += r->body;
  }
  ASSERT_TRUE(exported.count("sigil_tokens_issued_total")) << texts;

  Mentions missing;
  for (const auto& [name, where] : metrics_in_docs()) {
    if (!exported.count(name)) missing[name] = where;
  }
  EXPECT_TRUE(missing.empty()) << "metrics named in the docs that neither sigil-sts nor "
                                  "sigil-certmgr exports on /metrics:\n"
                               << report(missing) << "--- exported:\n" << texts;
}

}  // namespace
}  // namespace sigil::testing
