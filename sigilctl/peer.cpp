#include "peer.hpp"

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "local_db.hpp"
#include "output_file.hpp"

namespace sigil::ctl {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;


std::int64_t int_of(const json::value& o, std::string_view key) {
  const json::value* v = o.as_object().if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

int identity(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  if (cfg.out_file.empty()) {
    return report_failure(err,
                          make_error(Errc::kInvalidArgument, "peer identity needs --out FILE"));
  }
  auto v = admin_request(cfg, verb::get, "/peers/identity");
  if (!v) return report_failure(err, v.error());
  const std::string bundle = text_of(*v, "bundle_pem");
  if (auto w = write_new_file(cfg.out_file, bundle, 0644); !w) return report_failure(err, w.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  std::fprintf(out, "peer trust bundle written to %s (CA sha256 %s, listener %s)\n",
               cfg.out_file.c_str(), text_of(*v, "ca_sha256").c_str(),
               text_of(*v, "listener_sha256_fingerprint").c_str());
  return 0;
}

int add(const SigilctlConfig& cfg, const std::string& url, std::FILE* out, std::FILE* err) {
  const std::string& ca = cfg.peer_ca_file;
  if (ca.empty()) {
    return report_failure(err, make_error(Errc::kInvalidArgument,
                                          "peer add needs --ca FILE (the peer's trust bundle, "
                                          "from `sigilctl peer identity` on the peer)"));
  }
  auto bundle = read_text_file(ca);
  if (!bundle) return report_failure(err, bundle.error());
  json::object body{{"url", url}, {"ca_pem", *bundle}};
  auto v = admin_request(cfg, verb::post, "/peers", body);
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  std::fprintf(out, "peer %s linked (changes after seq %lld, plus a snapshot of every tenant)\n",
               text_of(*v, "url").c_str(), static_cast<long long>(int_of(*v, "last_acked_seq")));
  return 0;
}

int remove(const SigilctlConfig& cfg, const std::string& url, std::FILE* out, std::FILE* err) {
  auto v = admin_request(cfg, verb::post, "/peers/remove", json::object{{"url", url}});
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  std::fprintf(out, "peer %s removed\n", text_of(*v, "removed").c_str());
  return 0;
}

int list(const SigilctlConfig& cfg, std::FILE* out, std::FILE* err) {
  auto v = admin_request(cfg, verb::get, "/peers");
  if (!v) return report_failure(err, v.error());
  if (cfg.json) {
    print(out, json::serialize(*v) + "\n");
    return 0;
  }
  std::fprintf(out, "%-32s %10s %6s %10s  %-24s %s\n", "URL", "ACKED SEQ", "LAG", "APPLIED",
               "LAST CONTACT", "LAST ERROR");
  for (const auto& p : v->at("peers").as_array()) {
    std::fprintf(out, "%-32s %10lld %6lld %10lld  %-24s %s\n", text_of(p, "url").c_str(),
                 static_cast<long long>(int_of(p, "last_acked_seq")),
                 static_cast<long long>(int_of(p, "lag")),
                 static_cast<long long>(int_of(p, "last_applied_seq")),
                 text_of(p, "last_contact_at").c_str(), text_of(p, "last_error").c_str());
  }
  std::fprintf(out, "last change here: seq %lld\n", static_cast<long long>(int_of(*v, "last_seq")));
  return 0;
}

}  // namespace

int run_peer(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
             std::FILE* err) {
  if (args.size() == 1 && args[0] == "list") return list(cfg, out, err);
  if (args.size() == 1 && args[0] == "identity") return identity(cfg, out, err);
  if (args.size() == 2 && args[0] == "add") return add(cfg, args[1], out, err);
  if (args.size() == 2 && args[0] == "remove") return remove(cfg, args[1], out, err);
  std::fprintf(err,
               "sigilctl: usage: sigilctl peer identity --out FILE | add URL --ca FILE | list | "
               "remove URL (see sigilctl peer --help)\n");
  return 2;
}

}  // namespace sigil::ctl
