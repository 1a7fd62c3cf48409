#pragma once
// Shared helpers of the crypto unit tests: a fixed "now", temporary directories, running the
// openssl CLI as an independent checker, and a small PKI (root CA + leaf) built once per binary.
//
// Thread-safety: for the single-threaded test runner only.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/err.h>

#include "sigil/base/ascii.hpp"
#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::crypto::testing {

using namespace std::chrono_literals;

inline TimePoint test_now() {
  return std::chrono::sys_days{std::chrono::year{2026} / 1 / 15} + 10h;
}

// Unwraps a Result in test set-up code, where a failure means the test cannot even start.
template <class T>
T must(Result<T> r) {
  if (!r) {
    std::fprintf(stderr, "test set-up failed: %s\n", r.error().to_string().c_str());
    std::abort();
  }
  return std::move(r).value();
}

// True when the calling thread's OpenSSL error queue is empty.
inline bool openssl_queue_empty() { return ERR_peek_error() == 0; }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sigil-crypto-XXXXXX").string();
    SIGIL_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  SIGIL_CHECK(out.good());
}

inline void write_file(const std::filesystem::path& path, ByteView data) {
  write_file(path, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

inline void close_pipe(FILE* f) noexcept { (void)::pclose(f); }

// Runs `command` through /bin/sh; used to check Sigil's output with the openssl CLI.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::unique_ptr<FILE, CDeleter<close_pipe>> pipe(::popen((command + " 2>&1").c_str(), "r"));
  SIGIL_CHECK(pipe != nullptr);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof(buf), pipe.get())) result.output.append(buf, n);
  int status = ::pclose(pipe.release());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The value after '=' on the line of `output` that starts with `prefix` (case-insensitive).
inline std::string value_after(const std::string& output, std::string_view prefix) {
  std::size_t pos = 0;
  while (pos < output.size()) {
    std::size_t end = output.find('\n', pos);
    std::string line = output.substr(pos, end == std::string::npos ? end : end - pos);
    std::string head = line.substr(0, prefix.size());
    const bool match = equal_ignoring_ascii_case(head, prefix);
    if (match && line.find('=') != std::string::npos) return line.substr(line.find('=') + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

inline CertRequest root_ca_request(EVP_PKEY* key, TimePoint now) {
  CertRequest r;
  r.subject = {.common_name = "Sigil Test Root CA", .organization = "Sigil", .country = "US"};
  r.subject_key = key;
  r.issuer_key = key;
  r.not_before = now - 1h;
  r.not_after = now + 24h * 3650;
  r.is_ca = true;
  r.key_usage = {.digital_signature = true, .key_cert_sign = true, .crl_sign = true};
  return r;
}

inline CertRequest leaf_request(EVP_PKEY* key, EVP_PKEY* issuer_key, X509* issuer, TimePoint now) {
  CertRequest r;
  r.subject = {.common_name = "sts.example.test",
               .organization = "Sigil",
               .organizational_unit = "STS",
               .country = "US"};
  r.dns_names = {"sts.example.test", "*.sts.example.test"};
  r.subject_key = key;
  r.issuer_key = issuer_key;
  r.issuer_cert = issuer;
  r.not_before = now - 1h;
  r.not_after = now + 24h * 90;
  r.key_usage = {.digital_signature = true};
  r.extended_key_usage = ExtendedKeyUsage{.server_auth = true};
  return r;
}

// A root CA and a leaf it issued (both ECDSA P-256), valid around test_now().
struct TestPki {
  EvpPkeyPtr root_key;
  X509Ptr root;
  EvpPkeyPtr leaf_key;
  X509Ptr leaf;
};

inline const TestPki& shared_pki() {
  static const TestPki pki = [] {
    TestPki p;
    p.root_key = must(generate_key(KeyType::kEcdsaP256));
    p.root = must(issue_certificate(root_ca_request(p.root_key.get(), test_now())));
    p.leaf_key = must(generate_key(KeyType::kEcdsaP256));
    p.leaf = must(issue_certificate(
        leaf_request(p.leaf_key.get(), p.root_key.get(), p.root.get(), test_now())));
    return p;
  }();
  return pki;
}

}  // namespace sigil::crypto::testing
