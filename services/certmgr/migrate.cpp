#include "migrate.hpp"

#include <thread>

namespace sigil::certmgr {
namespace {

std::string join(const std::vector<int>& versions, std::string_view sep) {
  std::string out;
  for (int v : versions) out += (out.empty() ? "" : std::string(sep)) + std::to_string(v);
  return out;
}

}  // namespace

Result<db::MigrationReport> migrate_database(const std::string& conninfo, std::chrono::seconds wait,
                                             const log::Logger& logger) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::milliseconds(250);
  for (int attempt = 1;; ++attempt) {
    auto report = db::migrate(conninfo);
    if (report) {
      logger.info("db.migrated", {{"applied", join(report->applied, ",")},
                                  {"schema_version", report->schema_version}});
      return report;
    }
    bool retry = report.error().code == Errc::kUnavailable &&
                 std::chrono::steady_clock::now() + pause < deadline;
    // The final failure is reported once, by the caller (one clear line); retries are logged.
    if (!retry) return report;
    logger.warn(
        "db.migrate.retry",
        {{"attempt", attempt}, {"error", report.error().message}, {"wait_ms", pause.count()}});
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(4000));
  }
}

std::string describe(const db::MigrationReport& report) {
  if (report.applied.empty()) {
    return "schema is up to date (version " + std::to_string(report.schema_version) + ")";
  }
  return "applied migrations " + join(report.applied, ", ") + "; schema version " +
         std::to_string(report.schema_version);
}

}  // namespace sigil::certmgr
