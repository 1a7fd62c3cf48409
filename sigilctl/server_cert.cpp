#include "server_cert.hpp"

#include <cctype>

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include "admin_client.hpp"
#include "local_db.hpp"
#include "output_file.hpp"
#include "sigil/crypto/encoding.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;


json::object subject_body(const SigilctlConfig& cfg) {
  json::object body;
  if (!cfg.hostname.empty()) body["hostname"] = cfg.hostname;
  if (!cfg.common_name.empty()) body["common_name"] = cfg.common_name;
  if (!cfg.country.empty()) body["country"] = cfg.country;
  return body;
}

std::string percent_encoded(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string names_of(const json::value& v, std::string_view key) {
  std::string out;
  if (const auto* o = v.if_object()) {
    if (const auto* a = o->if_contains(key); a != nullptr && a->is_array()) {
      for (const auto& n : a->as_array()) {
        if (n.is_string()) out += (out.empty() ? "" : ", ") + std::string(n.as_string());
      }
    }
  }
  return out.empty() ? "-" : out;
}

void print_cert(std::FILE* out, const char* title, const json::value& c) {
  std::fprintf(out, "%s\n", title);
  const std::pair<const char*, std::string> rows[] = {
      {"subject", text_of(c, "subject")},
      {"issuer", text_of(c, "issuer")},
      {"dns names", names_of(c, "dns_names")},
      {"serial", text_of(c, "serial")},
      {"key", text_of(c, "key")},
      {"not before", text_of(c, "not_before")},
      {"not after", text_of(c, "not_after")},
      {"sha256", text_of(c, "sha256_fingerprint")},
      {"self-signed", c.as_object().if_contains("self_signed") &&
                              c.at("self_signed").is_bool() && c.at("self_signed").as_bool()
                          ? "yes"
                          : "no"},
      {"activated", text_of(c, "activated_at")},
  };
  for (const auto& [label, value] : rows) std::fprintf(out, "  %-12s %s\n", label, value.c_str());
}

int show(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  std::string query;
  if (!cfg.hostname.empty()) query = "hostname=" + percent_encoded(cfg.hostname);
  auto v = admin_request(cfg, verb::get, "/server-cert", std::nullopt, query);
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  const json::value& active = v->at("active");
  if (active.is_null()) {
    std::fprintf(out, "active: none in the database (sts serves %s)\n",
                 cfg.hostname.empty() ? "HOME/tls/server.crt" : "a wildcard or the default one");
  } else {
    print_cert(out, "active:", active);
  }
  const json::value& pending = v->at("pending");
  if (!pending.is_null() && pending.as_object().contains("csr")) {
    const json::value& csr = pending.at("csr");
    std::fprintf(out, "pending CSR: %s (DNS %s, %s), created %s\n",
                 text_of(csr, "subject").c_str(), names_of(csr, "dns_names").c_str(),
                 text_of(csr, "key").c_str(), text_of(pending, "created_at").c_str());
  }
  return 0;
}

int self_signed(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto v = admin_request(cfg, verb::post, "/server-cert/self-signed", subject_body(cfg));
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  std::fprintf(out, "self-signed certificate %s active (sha256 %s, not after %s)\n",
               text_of(*v, "subject").c_str(), text_of(*v, "sha256_fingerprint").c_str(),
               text_of(*v, "not_after").c_str());
  return 0;
}

int csr(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.out_file.empty()) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "server-cert csr needs --out FILE"));
  }
  if (::access(cfg.out_file.c_str(), F_OK) == 0) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          cfg.out_file + " exists; not overwriting it"));
  }
  auto v = admin_request(cfg, verb::post, "/server-cert/csr", subject_body(cfg));
  if (!v) return report_failure(err, v.error());
  const std::string pem = text_of(*v, "csr");
  if (auto w = write_new_file(cfg.out_file, pem, 0644); !w) {
    return report_failure(err, w.error());
  }
  if (cfg.json) {
    json::object o = v->as_object();
    o["file"] = cfg.out_file;
    print(out, json::serialize(o) + "\n");
    return 0;
  }
  std::fprintf(out, "CSR for %s (DNS %s, %s) written to %s; pending until imported\n",
               text_of(*v, "subject").c_str(), names_of(*v, "dns_names").c_str(),
               text_of(*v, "key").c_str(), cfg.out_file.c_str());
  return 0;
}

int import(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.cert_file.empty()) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "server-cert import needs --cert FILE"));
  }
  auto cert = read_text_file(cfg.cert_file);
  if (!cert) return report_failure(err, cert.error());
  json::object body{{"certificate", *cert}};
  if (!cfg.hostname.empty()) body["hostname"] = cfg.hostname;
  if (!cfg.chain_file.empty()) {
    auto chain = read_text_file(cfg.chain_file);
    if (!chain) return report_failure(err, chain.error());
    body["chain"] = *chain;
  }
  if (!cfg.key_file.empty()) {
    // A certificate with its own key (no CSR): the key travels to certmgr over the admin API's
    // TLS connection and is wiped here afterwards.
    auto key = read_text_file(cfg.key_file);
    if (!key) return report_failure(err, key.error());
    body["key_pem"] = *key;
    OPENSSL_cleanse(key->data(), key->size());
  }
  auto v = admin_request(cfg, verb::post, "/server-cert/import", body);
  if (auto* k = body.if_contains("key_pem"); k != nullptr && k->is_string()) {
    json::string& s = k->as_string();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  std::fprintf(out, "imported %s (issuer %s, sha256 %s, not after %s%s); active\n",
               text_of(*v, "subject").c_str(), text_of(*v, "issuer").c_str(),
               text_of(*v, "sha256_fingerprint").c_str(), text_of(*v, "not_after").c_str(),
               cfg.key_file.empty() ? "" : (", key " + text_of(*v, "key")).c_str());
  return 0;
}

int export_p12(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.out_file.empty() || !cfg.passphrase_stdin) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "server-cert export needs --out FILE and "
                                          "--passphrase-stdin"));
  }
  auto read = read_passphrase_stdin();
  if (!read) return report_failure(err, read.error());
  std::string passphrase = std::move(*read);
  if (::access(cfg.out_file.c_str(), F_OK) == 0) {
    OPENSSL_cleanse(passphrase.data(), passphrase.size());
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          cfg.out_file + " exists; not overwriting it"));
  }
  json::object body{{"passphrase", passphrase}};
  if (!cfg.hostname.empty()) body["hostname"] = cfg.hostname;
  OPENSSL_cleanse(passphrase.data(), passphrase.size());
  auto v = admin_request(cfg, verb::post, "/server-cert/export", body);
  if (auto* p = body.if_contains("passphrase"); p != nullptr && p->is_string()) {
    json::string& s = p->as_string();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
  if (!v) return report_failure(err, v.error());
  auto der = crypto::base64_decode(text_of(*v, "pkcs12"));
  if (!der) return report_failure(err, make_error(Errc::kUnavailable, "certmgr sent no PKCS#12"));
  if (auto w = write_new_file(cfg.out_file, std::string_view(reinterpret_cast<const char*>(der->data()), der->size()), 0600); !w) {
    return report_failure(err, w.error());
  }
  if (cfg.json) {
    json::object o = v->as_object();
    o.erase("pkcs12");
    o["file"] = cfg.out_file;
    print(out, json::serialize(o) + "\n");
    return 0;
  }
  std::fprintf(out,
               "exported the server certificate (sha256 %s) and its key to %s as PKCS#12; keep "
               "it and the passphrase apart\n",
               text_of(*v, "sha256_fingerprint").c_str(), cfg.out_file.c_str());
  return 0;
}

}  // namespace

int run_server_cert(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
                    std::FILE* err) {
  if (args.size() == 1) {
    const std::string& verb_name = args[0];
    if (verb_name == "show") return show(cfg, out, err);
    if (verb_name == "self-signed") return self_signed(cfg, out, err);
    if (verb_name == "csr") return csr(cfg, out, err);
    if (verb_name == "import") return import(cfg, out, err);
    if (verb_name == "export") return export_p12(cfg, out, err);
  }
  std::fprintf(err,
               "sigilctl: usage: sigilctl server-cert show | self-signed [--cn FQDN] "
               "[--country CC] | csr --out F | import --cert F [--key F] [--chain F] | export "
               "--out F.p12 "
               "--passphrase-stdin (see sigilctl server-cert --help)\n");
  return 2;
}

}  // namespace sigil::ctl
