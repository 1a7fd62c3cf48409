#include "local_db.hpp"

namespace sigil::ctl {

Result<std::unique_ptr<db::ConnectionPool>> open_database(const SigilctlConfig& cfg) {
  if (cfg.data.db.empty()) {
    return fail(Errc::kInvalidArgument, "no database: set --db or SIGIL_DB");
  }
  db::PoolOptions options;
  options.max_connections = 1;
  return std::make_unique<db::ConnectionPool>(cfg.data.db, options);
}

int report_failure(std::FILE* err, const Error& error) {
  std::fprintf(err, "sigilctl: %s\n", error.message.c_str());
  return 1;
}

}  // namespace sigil::ctl
