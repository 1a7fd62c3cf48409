#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "sigil/crypto/envelope.hpp"

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

namespace fs = std::filesystem;
using testing::must;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  SIGIL_CHECK(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void write_key_file(const fs::path& p, std::string_view content, fs::perms perms) {
  testing::write_file(p, content);
  fs::permissions(p, perms);
}

void expect_load_error(const fs::path& p, Errc code, std::string_view needle) {
  auto r = load_master_key(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code) << r.error();
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error();
}

TEST(EnvelopeMasterKeyFile, IsCreatedWithMode0600AndLoadsBack) {
  testing::TempDir dir;
  fs::path p = dir / "master.key";
  auto created = create_master_key_file(p);
  ASSERT_TRUE(created) << created.error();
  EXPECT_EQ(mode_of(p), 0600U);
  std::string content = testing::read_file(p);
  ASSERT_EQ(content.size(), 45U);  // base64 of 32 bytes and a newline
  EXPECT_EQ(content.back(), '\n');
  auto mk = load_master_key(p);
  ASSERT_TRUE(mk) << mk.error();
  auto raw = must(base64_decode(content));
  EXPECT_EQ(mk->id(), must(MasterKey::from_bytes(raw)).id());
}

TEST(EnvelopeMasterKeyFile, IsNeverOverwritten) {
  testing::TempDir dir;
  fs::path p = dir / "master.key";
  ASSERT_TRUE(create_master_key_file(p));
  std::string before = testing::read_file(p);
  auto again = create_master_key_file(p);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_EQ(testing::read_file(p), before);
}

TEST(EnvelopeMasterKeyFile, CreateInAMissingDirectoryFails) {
  testing::TempDir dir;
  auto r = create_master_key_file(dir / "missing" / "master.key");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST(EnvelopeMasterKeyFile, GroupOrWorldAccessibleFileIsRefused) {
  testing::TempDir dir;
  fs::path p = dir / "master.key";
  ASSERT_TRUE(create_master_key_file(p));
  fs::permissions(p, fs::perms(0644));
  expect_load_error(p, Errc::kInvalidArgument, "mode 0644");
  expect_load_error(p, Errc::kInvalidArgument, "chmod 600");
  fs::permissions(p, fs::perms(0640));
  expect_load_error(p, Errc::kInvalidArgument, "mode 0640");
  fs::permissions(p, fs::perms(0400));
  EXPECT_TRUE(load_master_key(p));
}

TEST(EnvelopeMasterKeyFile, MissingFileIsNotFound) {
  testing::TempDir dir;
  expect_load_error(dir / "absent.key", Errc::kNotFound, "absent.key");
}

TEST(EnvelopeMasterKeyFile, WrongLengthOrNonBase64IsRefused) {
  testing::TempDir dir;
  write_key_file(dir / "short.key", base64_encode(std::vector<std::uint8_t>(16, 7)) + "\n",
                 fs::perms(0600));
  expect_load_error(dir / "short.key", Errc::kInvalidArgument, "32 bytes");
  write_key_file(dir / "long.key", base64_encode(std::vector<std::uint8_t>(33, 7)),
                 fs::perms(0600));
  expect_load_error(dir / "long.key", Errc::kInvalidArgument, "32 bytes");
  write_key_file(dir / "text.key", "this is not base64!\n", fs::perms(0600));
  expect_load_error(dir / "text.key", Errc::kInvalidArgument, "base64");
  write_key_file(dir / "huge.key", std::string(4096, 'A'), fs::perms(0600));
  expect_load_error(dir / "huge.key", Errc::kInvalidArgument, "too large");
}

TEST(EnvelopeMasterKeyFile, DirectoryIsNotAKeyFile) {
  testing::TempDir dir;
  fs::create_directory(dir / "d");
  fs::permissions(dir / "d", fs::perms(0700));
  expect_load_error(dir / "d", Errc::kInvalidArgument, "not a regular file");
}

TEST(EnvelopeMasterKeyFile, WindowsLineEndingsAndSpacesAreTolerated) {
  testing::TempDir dir;
  std::vector<std::uint8_t> raw(32, 9);
  write_key_file(dir / "crlf.key", "  " + base64_encode(raw) + "\r\n", fs::perms(0600));
  auto mk = load_master_key(dir / "crlf.key");
  ASSERT_TRUE(mk) << mk.error();
  EXPECT_EQ(mk->id(), must(MasterKey::from_bytes(raw)).id());
}

}  // namespace
}  // namespace sigil::crypto
