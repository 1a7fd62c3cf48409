// The migrations embedded at build time, checked without a database.

#include "sigil/db/migrations.hpp"

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace {

TEST(EmbeddedMigrations, AreNumberedFromOneWithoutGaps) {
  const auto migrations = sigil::db::embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    const std::string name(migrations[i].name);
    EXPECT_TRUE(std::regex_match(name, std::regex("[0-9]{3}_[a-z0-9_]+\\.sql"))) << name;
    EXPECT_EQ(std::stoi(name.substr(0, 3)), migrations[i].version) << name;
    EXPECT_FALSE(migrations[i].sql.empty()) << name;
  }
}

TEST(EmbeddedMigrations, FirstOneCreatesTheCoreTables) {
  const std::string_view sql = sigil::db::embedded_migrations()[0].sql;
  for (const char* table : {"CREATE TABLE tenants", "CREATE TABLE signing_keys",
                            "CREATE TABLE audit_log", "CREATE TABLE change_log"}) {
    EXPECT_NE(sql.find(table), std::string_view::npos) << table;
  }
}

// The build embeds the bytes of proto/sql unchanged, so the recorded checksum is the file's.
TEST(EmbeddedMigrations, TextIsExactlyTheFileInProtoSql) {
  for (const auto& m : sigil::db::embedded_migrations()) {
    std::ifstream in(std::string(SIGIL_SOURCE_DIR) + "/proto/sql/" + std::string(m.name),
                     std::ios::binary);
    ASSERT_TRUE(in) << m.name;
    const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(file, m.sql) << m.name;
  }
}

TEST(MigrationChecksum, IsLowerCaseHexSha256) {
  EXPECT_EQ(sigil::db::migration_checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sigil::db::migration_checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
