#include "local_db.hpp"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sigil::ctl {

Result<std::unique_ptr<db::ConnectionPool>> open_database(const SigilctlConfig& cfg) {
  if (cfg.data.db.empty()) {
    return fail(Errc::kInvalidArgument, "no database: set --db or SIGIL_DB");
  }
  db::PoolOptions options;
  options.max_connections = 1;
  return std::make_unique<db::ConnectionPool>(cfg.data.db, options);
}

Result<crypto::MasterKey> load_master_key(const SigilctlConfig& cfg) {
  std::filesystem::path path = cfg.data.master_key_file.empty()
                                   ? std::filesystem::path(cfg.data.home) / "master.key"
                                   : std::filesystem::path(cfg.data.master_key_file);
  auto key = crypto::load_master_key(path);
  if (!key) {
    return fail(key.error().code,
                "cannot load the master key " + path.string() + ": " + key.error().message);
  }
  return key;
}

std::string audit_actor() {
  const uid_t uid = geteuid();
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
    return std::string("sigilctl:") + found->pw_name;
  }
  return "sigilctl:uid=" + std::to_string(uid);
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kInvalidArgument, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int report_failure(std::FILE* err, const Error& error) {
  std::fprintf(err, "sigilctl: %s\n", error.message.c_str());
  return 1;
}

void print(std::FILE* f, const std::string& text) { std::fwrite(text.data(), 1, text.size(), f); }

}  // namespace sigil::ctl
