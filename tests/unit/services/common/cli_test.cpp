#include "sigil/service/cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sigil::service {
namespace {

// Captures what parse_command_line writes to stdout and stderr.
class Capture {
 public:
  Capture() : out_(std::tmpfile()), err_(std::tmpfile()) {}
  ~Capture() {
    std::fclose(out_);
    std::fclose(err_);
  }
  std::FILE* out() { return out_; }
  std::FILE* err() { return err_; }
  std::string out_text() { return read(out_); }
  std::string err_text() { return read(err_); }

 private:
  static std::string read(std::FILE* f) {
    std::fflush(f);
    std::string s;
    char buf[4096];
    for (off_t at = 0;;) {
      ssize_t n = pread(fileno(f), buf, sizeof buf, at);
      if (n <= 0) break;
      s.append(buf, static_cast<size_t>(n));
      at += n;
    }
    return s;
  }
  std::FILE* out_;
  std::FILE* err_;
};

std::string status_help(std::string_view command) {
  return command == "status" ? "Usage: prog status\n" : "";
}

constexpr Program kProgram{.name = "prog",
                           .synopsis = "prog [OPTIONS] COMMAND",
                           .description = "Does things.\n",
                           .commands = "Commands:\n  status  show status\n",
                           .epilog = "Exit status: 0.\n",
                           .command_help = status_help};

struct Fixture {
  std::string db;
  config::OptionSet options;
  Capture cap;
  Fixture() { options.add_string({"db", "--db", "SIGIL_DB", "CONNINFO", "database", true}, &db); }
  CommandLine parse(std::vector<std::string> args) {
    return parse_command_line(kProgram, options, args, {}, cap.out(), cap.err());
  }
};

TEST(Cli, HelpShowsSynopsisCommandsOptionsAndEpilog) {
  Fixture f;
  auto cl = f.parse({"--help"});
  ASSERT_TRUE(cl.exit_code);
  EXPECT_EQ(*cl.exit_code, kExitOk);
  std::string out = f.cap.out_text();
  EXPECT_EQ(out.rfind("Usage: prog [OPTIONS] COMMAND\n\nDoes things.\n\nCommands:\n", 0), 0u)
      << out;
  EXPECT_NE(out.find("--db CONNINFO"), std::string::npos);
  EXPECT_NE(out.find("env SIGIL_DB"), std::string::npos);
  EXPECT_NE(out.find("Exit status: 0.\n"), std::string::npos);
  EXPECT_EQ(f.cap.err_text(), "");
}

TEST(Cli, HelpAfterACommandShowsThatCommandsHelp) {
  Fixture f;
  auto cl = f.parse({"status", "--help"});
  EXPECT_EQ(cl.exit_code, kExitOk);
  EXPECT_EQ(f.cap.out_text(), "Usage: prog status\n");
  Fixture g;
  auto bad = g.parse({"nope", "--help"});
  EXPECT_EQ(bad.exit_code, kExitUsage);
  EXPECT_EQ(g.cap.err_text(), "prog: unknown command 'nope' (see --help)\n");
}

TEST(Cli, VersionComesFromTheProject) {
  Fixture f;
  auto cl = f.parse({"--version"});
  EXPECT_EQ(cl.exit_code, kExitOk);
  EXPECT_EQ(version(), SIGIL_PROJECT_VERSION);
  EXPECT_EQ(f.cap.out_text(), std::string("prog ") + SIGIL_PROJECT_VERSION + "\n");
}

TEST(Cli, PrintConfigRedactsSecrets) {
  Fixture f;
  auto cl = f.parse({"--print-config", "--db", "password=hunter2"});
  EXPECT_EQ(cl.exit_code, kExitOk);
  EXPECT_EQ(f.cap.out_text(), "{\"db\":\"(redacted)\"}\n");
}

TEST(Cli, BadFlagOrValueIsOneLineAndExitTwo) {
  Fixture f;
  auto cl = f.parse({"--frob"});
  EXPECT_EQ(cl.exit_code, kExitUsage);
  EXPECT_EQ(f.cap.out_text(), "");
  EXPECT_EQ(f.cap.err_text(), "prog: unknown flag --frob (see --help)\n");
  Fixture g;
  EXPECT_EQ(g.parse({"--db"}).exit_code, kExitUsage);
  EXPECT_EQ(g.cap.err_text(), "prog: flag --db needs a value\n");
}

TEST(Cli, PlainCommandLinesReturnThePositionals) {
  Fixture f;
  auto cl = f.parse({"status", "--db", "x", "extra"});
  EXPECT_FALSE(cl.exit_code);
  EXPECT_EQ(cl.positionals, (std::vector<std::string>{"status", "extra"}));
  EXPECT_EQ(f.db, "x");
}

TEST(Cli, FailureFoldsMultiLineErrorsOntoOneLine) {
  Capture cap;
  int code = failure(kProgram,
                     make_error(Errc::kUnavailable, "connect to database: refused\n",
                                "could not connect\n\tIs the server running?\n"),
                     cap.err());
  EXPECT_EQ(code, kExitFailure);
  EXPECT_EQ(cap.err_text(),
            "prog: error: connect to database: refused : could not connect  Is the server "
            "running?\n");
}

}  // namespace
}  // namespace sigil::service
