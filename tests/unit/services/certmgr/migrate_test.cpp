#include "certmgr/migrate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

namespace sigil::certmgr {
namespace {

TEST(Migrate, DescribesWhatWasApplied) {
  EXPECT_EQ(describe({{1, 2, 3}, 3}), "applied migrations 1, 2, 3; schema version 3");
  EXPECT_EQ(describe({{}, 7}), "schema is up to date (version 7)");
}

TEST(Migrate, UnreachableDatabaseIsRetriedUntilTheWaitRunsOutThenReturned) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(a.local_endpoint().port()) + " dbname=x";
  a.close();
  std::FILE* log_file = std::tmpfile();
  log::Logger logger(log::Format::kText, log::Level::kInfo, log_file);
  auto start = std::chrono::steady_clock::now();
  auto r = migrate_database(conninfo, std::chrono::seconds(1), logger);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_GE(took, std::chrono::milliseconds(500));
  EXPECT_LT(took, std::chrono::seconds(5));
  std::fflush(log_file);
  EXPECT_GT(std::ftell(log_file), 0) << "retries are logged";
  std::fclose(log_file);
}

}  // namespace
}  // namespace sigil::certmgr
