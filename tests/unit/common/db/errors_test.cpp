// The pqxx exception -> sigil::Error translation, without a database: libpqxx's exception
// types are thrown here exactly as libpqxx throws them.

#include "sigil/db/errors.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/except>

namespace {

using sigil::Errc;
using sigil::db::classify;
using sigil::db::DbFailure;

template <class E>
DbFailure classify_thrown(const E& e) {
  return classify(std::make_exception_ptr(e), "store thing");
}

DbFailure classify_sql(const char* sqlstate) {
  return classify_thrown(pqxx::sql_error("ERROR:  server text\n", "SELECT 1", sqlstate));
}

TEST(DbErrors, UniqueViolationIsConflictWithSqlstateInDetail) {
  const DbFailure f = classify_thrown(pqxx::unique_violation(
      "ERROR:  duplicate key value violates unique constraint \"k\"\n", "INSERT ...", "23505"));
  EXPECT_EQ(f.error.code, Errc::kConflict);
  EXPECT_EQ(f.error.message, "store thing: already exists");
  EXPECT_EQ(f.error.detail,
            "SQLSTATE 23505: ERROR:  duplicate key value violates unique constraint \"k\"");
  EXPECT_FALSE(f.retryable);
  EXPECT_FALSE(f.connection_lost);
}

TEST(DbErrors, ForeignKeyViolationIsConflict) {
  EXPECT_EQ(classify_sql("23503").error.code, Errc::kConflict);
}

TEST(DbErrors, SerializationFailureAndDeadlockAreRetryableConflicts) {
  for (const char* state : {"40001", "40P01"}) {
    const DbFailure f = classify_sql(state);
    EXPECT_EQ(f.error.code, Errc::kConflict) << state;
    EXPECT_TRUE(f.retryable) << state;
    EXPECT_TRUE(sigil::db::is_retryable(f.error)) << state;
  }
  // libpqxx also raises them without a SQLSTATE (e.g. from commit()).
  EXPECT_TRUE(classify_thrown(pqxx::serialization_failure("could not serialize")).retryable);
  const DbFailure deadlock = classify_thrown(pqxx::deadlock_detected("deadlock"));
  EXPECT_TRUE(deadlock.retryable);
  EXPECT_TRUE(deadlock.error.detail.starts_with("SQLSTATE 40P01: ")) << deadlock.error;
}

TEST(DbErrors, BrokenConnectionIsUnavailableAndLost) {
  const DbFailure f = classify_thrown(pqxx::broken_connection("server closed the connection"));
  EXPECT_EQ(f.error.code, Errc::kUnavailable);
  EXPECT_TRUE(f.connection_lost);
  EXPECT_FALSE(f.retryable);
  EXPECT_EQ(classify_thrown(pqxx::too_many_connections("too many")).error.code, Errc::kUnavailable);
  EXPECT_EQ(classify_thrown(pqxx::in_doubt_error("commit unknown")).error.code, Errc::kUnavailable);
}

TEST(DbErrors, ConnectionClassAndAdminShutdownSqlstatesAreUnavailable) {
  for (const char* state : {"08006", "08003", "57P01", "57P02", "57P03", "53300"}) {
    const DbFailure f = classify_sql(state);
    EXPECT_EQ(f.error.code, Errc::kUnavailable) << state;
    EXPECT_TRUE(f.connection_lost) << state;
  }
  EXPECT_EQ(classify_sql("57014").error.code, Errc::kUnavailable);  // statement timeout
}

TEST(DbErrors, ReadOnlyFullDiskAndOutOfMemoryAreUnavailableAndSaySo) {
  const std::pair<const char*, const char*> cases[] = {
      {"25006", "read-only"}, {"53100", "out of disk space"}, {"53200", "out of memory"}};
  for (const auto& [state, words] : cases) {
    const DbFailure f = classify_sql(state);
    EXPECT_EQ(f.error.code, Errc::kUnavailable) << state;
    EXPECT_NE(f.error.message.find(words), std::string::npos) << f.error.message;
    EXPECT_FALSE(f.connection_lost) << state;
    EXPECT_FALSE(f.retryable) << state;
  }
}

TEST(DbErrors, OtherSqlErrorsAreInternalWithTheirSqlstate) {
  for (const char* state : {"42601", "23514", "42501", "P0001"}) {
    const DbFailure f = classify_sql(state);
    EXPECT_EQ(f.error.code, Errc::kInternal) << state;
    EXPECT_EQ(f.error.detail, std::string("SQLSTATE ") + state + ": ERROR:  server text");
    EXPECT_FALSE(f.retryable);
    EXPECT_FALSE(sigil::db::is_retryable(f.error));
  }
}

TEST(DbErrors, ServerTextStaysOutOfTheClientMessage) {
  const DbFailure f = classify_thrown(
      pqxx::unique_violation("ERROR:  Key (name)=(secret) already exists", "", "23505"));
  EXPECT_EQ(f.error.message.find("secret"), std::string::npos);
  EXPECT_NE(f.error.detail.find("secret"), std::string::npos);
}

TEST(DbErrors, NonDatabaseExceptionsAreInternal) {
  EXPECT_EQ(classify_thrown(pqxx::conversion_error("not an int")).error.code, Errc::kInternal);
  EXPECT_EQ(classify_thrown(std::runtime_error("boom")).error.code, Errc::kInternal);
  EXPECT_EQ(classify(std::make_exception_ptr(42), "x").error.code, Errc::kInternal);
  EXPECT_EQ(classify(nullptr, "x").error.code, Errc::kInternal);
}

TEST(DbErrors, RetryableNeedsTheConflictCode) {
  const sigil::Error e = sigil::make_error(Errc::kInternal, "x", "SQLSTATE 40001: y");
  EXPECT_FALSE(sigil::db::is_retryable(e));
}

}  // namespace
