// `sigilctl signing-cert import` and `export-key`, through certmgr's admin API
// (POST .../signing-certs/import, POST .../signing-certs/{key_id}/export).

#include <fcntl.h>
#include <unistd.h>


#include <boost/json.hpp>
#include <openssl/crypto.h>

#include "admin_client.hpp"
#include "local_db.hpp"
#include "output_file.hpp"
#include "sigil/crypto/encoding.hpp"
#include "signing_cert.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;

void print_checks(const SigilctlConfig& cfg, const json::value& r, std::FILE* out) {
  if (cfg.json) {
    json::object o = r.as_object();
    o.erase("error");
    o.erase("message");
    print(out, json::serialize(o) + "\n");
    return;
  }
  if (const auto* checks = r.as_object().if_contains("checks"); checks && checks->is_array()) {
    for (const auto& c : checks->as_array()) {
      std::fprintf(out, "%-5s %-16s %s\n", text_of(c, "status").c_str(),
                   text_of(c, "name").c_str(), text_of(c, "message").c_str());
    }
  }
  std::fprintf(out, "%s: %s\n", text_of(r, "outcome").c_str(), text_of(r, "detail").c_str());
}

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

}  // namespace

int run_signing_cert_import(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.cert_file.empty() || cfg.key_file.empty()) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "signing-cert import needs --cert FILE and --key FILE"));
  }
  auto cert = read_text_file(cfg.cert_file);
  if (!cert) return report_failure(err, cert.error());
  auto key = read_text_file(cfg.key_file);
  if (!key) return report_failure(err, key.error());
  json::object body{{"certificate", *cert},
                    {"private_key", *key},
                    {"dry_run", cfg.dry_run},
                    {"force", cfg.force},
                    {"activate", cfg.activate}};
  wipe(*key);
  if (!cfg.chain_file.empty()) {
    auto chain = read_text_file(cfg.chain_file);
    if (!chain) return report_failure(err, chain.error());
    body["chain"] = *chain;
  }
  auto answer = call_admin(cfg, verb::post, "/signing-certs/import", body);
  if (auto* k = body.if_contains("private_key"); k != nullptr && k->is_string()) {
    json::string& s = k->as_string();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
  if (!answer) return report_failure(err, answer.error());
  const bool ok = answer->status >= 200 && answer->status < 300;
  if (answer->body.as_object().contains("checks")) print_checks(cfg, answer->body, out);
  if (!ok) return report_failure(err, error_of(*answer));
  return 0;
}

int run_signing_cert_export(const SigilctlConfig& cfg, const std::string& key_id, std::FILE* out,
                            std::FILE* err) {
  if (cfg.out_file.empty() || !cfg.passphrase_stdin) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "signing-cert export-key needs --out FILE and "
                                          "--passphrase-stdin"));
  }
  auto read = read_passphrase_stdin();
  if (!read) return report_failure(err, read.error());
  std::string passphrase = std::move(*read);
  // Refuse to overwrite before asking the server for the key.
  const int fd = ::open(cfg.out_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "cannot create " + cfg.out_file +
                                              " (it must not exist yet)"));
  }
  json::object body{{"passphrase", passphrase}};
  wipe(passphrase);
  auto answer = admin_request(cfg, verb::post, "/signing-certs/" + key_id + "/export", body);
  if (auto* p = body.if_contains("passphrase"); p != nullptr && p->is_string()) {
    json::string& s = p->as_string();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
  auto fail_and_remove = [&](const Error& e) {
    ::close(fd);
    ::unlink(cfg.out_file.c_str());
    return report_failure(err, e);
  };
  if (!answer) return fail_and_remove(answer.error());
  auto der = crypto::base64_decode(text_of(*answer, "pkcs12"));
  if (!der) return fail_and_remove(make_error(Errc::kUnavailable, "certmgr sent no PKCS#12"));
  std::size_t written = 0;
  while (written < der->size()) {
    const ssize_t n = ::write(fd, der->data() + written, der->size() - written);
    if (n <= 0) return fail_and_remove(make_error(Errc::kUnavailable, "cannot write " + cfg.out_file));
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    ::unlink(cfg.out_file.c_str());
    return report_failure(err, make_error(Errc::kUnavailable, "cannot write " + cfg.out_file));
  }
  if (cfg.json) {
    json::object o = answer->as_object();
    o.erase("pkcs12");
    o["file"] = cfg.out_file;
    print(out, json::serialize(o) + "\n");
    return 0;
  }
  std::fprintf(out, "exported %s (sha256 %s) to %s as PKCS#12; keep it and the passphrase apart\n",
               text_of(*answer, "key_id").c_str(), text_of(*answer, "sha256_fingerprint").c_str(),
               cfg.out_file.c_str());
  return 0;
}

}  // namespace sigil::ctl
