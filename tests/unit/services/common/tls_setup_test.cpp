#include "sigil/service/tls_setup.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/tls_context.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/testing/temp_dir.hpp"

namespace sigil::service {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A logger into a temporary file, and what it wrote.
class CapturedLog {
 public:
  CapturedLog() : file_(std::tmpfile()), logger_(log::Format::kText, log::Level::kDebug, file_) {}
  ~CapturedLog() { std::fclose(file_); }
  const log::Logger& logger() const { return logger_; }
  std::string text() const {
    std::string s;
    char buf[4096];
    for (off_t at = 0;;) {
      ssize_t n = pread(fileno(file_), buf, sizeof buf, at);
      if (n <= 0) break;
      s.append(buf, static_cast<size_t>(n));
      at += n;
    }
    return s;
  }

 private:
  std::FILE* file_;
  log::Logger logger_;
};

int mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

size_t count(const std::string& haystack, std::string_view needle) {
  size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class TlsSetup : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::create("sigil-tls-setup-");
    ASSERT_TRUE(dir) << dir.error();
    dir_ = std::make_unique<testing::TempDir>(std::move(dir).value());
    home_ = dir_->path() / "home";  // does not exist yet
  }
  Result<ServerCertificate> load(std::string_view cert = {}, std::string_view key = {},
                                 std::string_view host = "sts.example.test") {
    return load_or_create_server_certificate(home_, cert, key, host, clock_, log_.logger());
  }

  std::unique_ptr<testing::TempDir> dir_;
  fs::path home_;
  ManualClock clock_{std::chrono::system_clock::now()};
  CapturedLog log_;
};

TEST_F(TlsSetup, CreatesASelfSignedPairWithPrivateModesOnceAndReusesIt) {
  auto first = load();
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(first->created);
  const fs::path crt = home_ / "tls" / "server.crt";
  const fs::path key = home_ / "tls" / "server.key";
  EXPECT_EQ(first->cert_path, crt);
  EXPECT_EQ(mode_of(home_ / "tls"), 0700);
  EXPECT_EQ(mode_of(key), 0600);
  EXPECT_EQ(mode_of(crt) & 0022, 0);  // nobody else may write the certificate
  std::string key_pem = read(key);
  std::string log = log_.text();
  EXPECT_NE(log.find("event=tls.self_signed_created path=" + crt.string() +
                     " sha256=" + first->sha256_fingerprint),
            std::string::npos)
      << log;

  auto second = load();
  ASSERT_TRUE(second) << second.error();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->sha256_fingerprint, first->sha256_fingerprint);
  EXPECT_EQ(read(key), key_pem);
  EXPECT_EQ(count(log_.text(), "tls.self_signed_created"), 1u);
  EXPECT_TRUE(crypto::key_matches_certificate(second->key.get(), second->chain.front().get()));
}

TEST_F(TlsSetup, SelfSignedCertificateNamesTheHostLocalhostAndLoopbackForOneYear) {
  auto cert = load();
  ASSERT_TRUE(cert) << cert.error();
  X509* leaf = cert->chain.front().get();
  auto info = crypto::describe(leaf);
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "CN=sts.example.test");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"sts.example.test", "localhost"}));
  EXPECT_EQ(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf, "::1", 0), 1);
  ASSERT_TRUE(info->extended_key_usage);
  EXPECT_TRUE(info->extended_key_usage->server_auth);
  EXPECT_EQ(info->key_description, "ECDSA-P256");
  EXPECT_FALSE(info->is_ca);
  auto lifetime = std::chrono::duration_cast<std::chrono::hours>(info->not_after - clock_.now());
  EXPECT_GE(lifetime.count(), 24 * 364);
  EXPECT_LE(lifetime.count(), 24 * 366);
  EXPECT_EQ(X509_verify(leaf, X509_get0_pubkey(leaf)), 1);  // still correctly self-signed
  auto ctx = crypto::make_server_tls_context(server_tls_config(*cert));
  EXPECT_TRUE(ctx) << ctx.error();
}

TEST_F(TlsSetup, IpLiteralHostnameBecomesAnIpEntry) {
  auto cert = load({}, {}, "10.1.2.3");
  ASSERT_TRUE(cert) << cert.error();
  X509* leaf = cert->chain.front().get();
  EXPECT_EQ(X509_check_ip_asc(leaf, "10.1.2.3", 0), 1);
  EXPECT_EQ(crypto::describe(leaf)->dns_names, std::vector<std::string>{"localhost"});
}

TEST_F(TlsSetup, InvalidHostnameIsRefused) {
  auto cert = load({}, {}, "bad host,IP:1.2.3.4");
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().code, Errc::kInvalidArgument);
  EXPECT_NE(cert.error().message.find("bad host"), std::string::npos) << cert.error();
  EXPECT_FALSE(fs::exists(home_ / "tls" / "server.key"));
}

TEST_F(TlsSetup, ConfiguredPairThatDoesNotMatchIsRefusedWithAClearError) {
  ASSERT_TRUE(load());  // a valid pair to borrow a certificate from
  fs::path other = dir_->path() / "other.key";
  auto other_key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(other_key);
  write(other, crypto::write_private_key_pem(other_key->get())->view());
  fs::path crt = home_ / "tls" / "server.crt";
  auto r = load(crt.string(), other.string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "TLS key " + other.string() + " does not match the certificate " + crt.string());
}

TEST_F(TlsSetup, ConfiguredCertificateFileMayHoldAChainLeafFirst) {
  auto now = clock_.now();
  auto ca_key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  auto leaf_key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(ca_key && leaf_key);
  crypto::CertRequest ca_req;
  ca_req.subject.common_name = "Test CA";
  ca_req.subject_key = ca_req.issuer_key = ca_key->get();
  ca_req.not_before = now - 1h;
  ca_req.not_after = now + 48h;
  ca_req.is_ca = true;
  ca_req.key_usage.key_cert_sign = true;
  auto ca = crypto::issue_certificate(ca_req);
  ASSERT_TRUE(ca) << ca.error();
  crypto::CertRequest leaf_req = ca_req;
  leaf_req.subject.common_name = "sts.example.test";
  leaf_req.subject_key = leaf_key->get();
  leaf_req.issuer_cert = ca->get();
  leaf_req.is_ca = false;
  leaf_req.key_usage = {.digital_signature = true};
  auto leaf = crypto::issue_certificate(leaf_req);
  ASSERT_TRUE(leaf) << leaf.error();
  fs::path crt = dir_->path() / "chain.pem";
  fs::path key = dir_->path() / "leaf.key";
  write(crt,
        *crypto::write_certificate_pem(leaf->get()) + *crypto::write_certificate_pem(ca->get()));
  write(key, crypto::write_private_key_pem(leaf_key->get())->view());
  ::chmod(key.c_str(), 0600);
  auto r = load(crt.string(), key.string());
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->created);
  ASSERT_EQ(r->chain.size(), 2u);
  EXPECT_EQ(crypto::describe(r->chain[1].get())->subject, "CN=Test CA");
  EXPECT_EQ(server_tls_config(*r).chain.size(), 1u);
  EXPECT_FALSE(fs::exists(home_ / "tls"));  // nothing created when files are configured
  EXPECT_EQ(log_.text().find("tls.key_file_permissions"), std::string::npos);
}

TEST_F(TlsSetup, OnlyOneOfTheConfiguredFilesIsRefused) {
  auto r = load("/etc/sigil/tls.crt", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("or neither"), std::string::npos) << r.error();
}

TEST_F(TlsSetup, MissingConfiguredFileIsNamedInTheError) {
  fs::path missing = dir_->path() / "missing.crt";
  auto r = load(missing.string(), (dir_->path() / "missing.key").string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("cannot read TLS certificate " + missing.string()),
            std::string::npos)
      << r.error();
}

TEST_F(TlsSetup, HalfAPairInHomeIsRefusedAndNotOverwritten) {
  ASSERT_TRUE(load());
  fs::path crt = home_ / "tls" / "server.crt";
  ASSERT_TRUE(fs::remove(home_ / "tls" / "server.key"));
  std::string before = read(crt);
  auto r = load();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("without " + (home_ / "tls" / "server.key").string()),
            std::string::npos)
      << r.error();
  EXPECT_EQ(read(crt), before);
}

TEST_F(TlsSetup, ExpiredSelfSignedCertificateIsRefusedAtTheClockWithAHint) {
  ASSERT_TRUE(load());
  clock_.advance(24h * 366);
  auto r = load();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("expired at"), std::string::npos) << r.error();
  EXPECT_NE(r.error().message.find("remove " + (home_ / "tls").string()), std::string::npos)
      << r.error();
}

TEST_F(TlsSetup, KeyFileReadableByOthersIsLoadedWithAWarning) {
  ASSERT_TRUE(load());
  ASSERT_EQ(::chmod((home_ / "tls" / "server.key").c_str(), 0644), 0);
  ASSERT_TRUE(load());
  EXPECT_NE(log_.text().find("level=warn event=tls.key_file_permissions"), std::string::npos)
      << log_.text();
}

}  // namespace
}  // namespace sigil::service
