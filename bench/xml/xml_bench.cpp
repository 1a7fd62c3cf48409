// sigil_bench_xml: what one XML signature costs, as a ratio against the machine's raw RSA/ECDSA
// speed measured in the same run (docs/reference/style.md §12, docs/performance.md).
//
//   sign    = xmlCopyDoc of the unsigned assertion + sign_enveloped + serialize_node (the bytes
//             that go on the wire)
//   verify  = parse_untrusted of the signed bytes + verify
//   raw_*   = one EVP_DigestSign / EVP_DigestVerify (SHA-256) over the same number of bytes
//
// Rates are operations per CPU second of the benchmark thread, which is what `openssl speed`
// (without -elapsed) reports too, so the ratios hold on a loaded machine.
// The `openssl speed` baselines add ~10 s; pass --skip_openssl_speed to leave them out.
#include <cstdio>
#include <cstring>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "sigil/xml/c14n.hpp"
#include "sigil/xml/dsig.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml::bench {
namespace {

constexpr double kMinTime = 0.5;  // seconds per benchmark; the whole run stays well under 60 s

struct Subject {
  std::string name;              // "rsa2048" or "p256"
  const test::Credential* cred;  // signing key + leaf certificate
  XmlDocPtr unsigned_doc;        // the assertion to sign
  std::string signed_bytes;      // the same assertion signed once (input of verify)
};

SignOptions saml_options() {
  SignOptions o;
  o.insert_after = QName{std::string(test::kSaml2Ns), "Issuer"};
  o.inclusive_prefixes = {"xs", "xsi"};
  return o;
}

std::vector<X509*> chain_of(const Subject& s) {
  return {s.cred->cert.get(), test::test_keys().ca.cert.get()};
}

Subject make_subject(std::string name, const test::Credential& cred) {
  Subject s{std::move(name),
            &cred,
            test::parse_or_die(test::saml_assertion("_6b0c", "Administrator@VSPHERE.LOCAL", 8)),
            {}};
  XmlDocPtr copy(xmlCopyDoc(s.unsigned_doc.get(), 1));
  auto ok = sign_enveloped(copy.get(), xmlDocGetRootElement(copy.get()), cred.key.get(),
                           chain_of(s), saml_options());
  if (!ok) {
    std::fprintf(stderr, "fatal: cannot sign the benchmark document: %s\n",
                 ok.error().to_string().c_str());
    std::exit(1);
  }
  s.signed_bytes = serialize_node(copy.get(), xmlDocGetRootElement(copy.get())).value();
  return s;
}

void bench_sign(benchmark::State& state, const Subject* s) {
  const std::vector<X509*> chain = chain_of(*s);
  const SignOptions options = saml_options();
  for (auto _ : state) {
    XmlDocPtr doc(xmlCopyDoc(s->unsigned_doc.get(), 1));
    xmlNode* assertion = xmlDocGetRootElement(doc.get());
    auto ok = sign_enveloped(doc.get(), assertion, s->cred->key.get(), chain, options);
    auto bytes = serialize_node(doc.get(), assertion);
    if (!ok || !bytes) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["doc_bytes"] = static_cast<double>(s->signed_bytes.size());
}

void bench_verify(benchmark::State& state, const Subject* s) {
  const VerifyTrust trust{{TrustedKey{nullptr, s->cred->cert.get()}}};
  for (auto _ : state) {
    auto doc = parse_untrusted(s->signed_bytes);
    auto v = doc ? verify(doc->get(), xmlDocGetRootElement(doc->get()), trust)
                 : Result<VerifiedNode>(unexpected(doc.error()));
    if (!v) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["doc_bytes"] = static_cast<double>(s->signed_bytes.size());
}

void bench_raw_sign(benchmark::State& state, const Subject* s) {
  const std::string& data = s->signed_bytes;
  std::vector<unsigned char> sig(static_cast<size_t>(EVP_PKEY_get_size(s->cred->key.get())));
  for (auto _ : state) {
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    size_t len = sig.size();
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, s->cred->key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      state.SkipWithError("EVP_DigestSign failed");
    }
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void bench_raw_verify(benchmark::State& state, const Subject* s) {
  const auto* data = reinterpret_cast<const unsigned char*>(s->signed_bytes.data());
  const size_t size = s->signed_bytes.size();
  std::vector<unsigned char> sig(static_cast<size_t>(EVP_PKEY_get_size(s->cred->key.get())));
  size_t len = sig.size();
  {
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, s->cred->key.get());
    EVP_DigestSign(ctx.get(), sig.data(), &len, data, size);
  }
  EVP_PKEY* pub = X509_get0_pubkey(s->cred->cert.get());
  for (auto _ : state) {
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub) != 1 ||
        EVP_DigestVerify(ctx.get(), sig.data(), len, data, size) != 1) {
      state.SkipWithError("EVP_DigestVerify failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// `openssl speed -seconds N <alg>`: {sign/s, verify/s}, or {0, 0} when it cannot be run.
std::pair<double, double> openssl_speed(const std::string& alg, int seconds) {
  const std::string cmd =
      "openssl speed -seconds " + std::to_string(seconds) + " " + alg + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {0, 0};
  std::string out;
  char buf[1024];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  // "rsa 2048 bits 0.000210s 0.000013s   4759.0  79803.0" or
  // " 256 bits ecdsa (nistp256)   0.0000s   0.0000s  72712.8  24609.3"
  static const std::regex line(R"(bits[^\n]*?\s[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+))");
  std::smatch m;
  if (!std::regex_search(out, m, line)) return {0, 0};
  return {std::stod(m[1]), std::stod(m[2])};
}

// Console output as usual, plus each benchmark's items_per_second for the summary.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  RecordingReporter()
      : ConsoleReporter(isatty(fileno(stdout)) != 0 ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rates_[r.run_name.function_name] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double rate(const std::string& name) const {
    auto it = rates_.find(name);
    return it == rates_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> rates_;
};

std::string ratio(double ours, double base) {
  if (ours <= 0 || base <= 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * ours / base);
  return buf;
}

void print_row(const char* what, double ours, double speed, double raw) {
  std::printf("  %-22s %9.0f/s   vs openssl speed: %-7s  vs in-process EVP: %s\n", what, ours,
              ratio(ours, speed).c_str(), ratio(ours, raw).c_str());
}

bool take_flag(int& argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], flag) != 0) continue;
    for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
    --argc;
    return true;
  }
  return false;
}

void register_benchmarks(Subject* s) {
  benchmark::RegisterBenchmark(("sign/" + s->name).c_str(), bench_sign, s)->MinTime(kMinTime);
  benchmark::RegisterBenchmark(("verify/" + s->name).c_str(), bench_verify, s)->MinTime(kMinTime);
  benchmark::RegisterBenchmark(("raw_sign/" + s->name).c_str(), bench_raw_sign, s)
      ->MinTime(kMinTime);
  benchmark::RegisterBenchmark(("raw_verify/" + s->name).c_str(), bench_raw_verify, s)
      ->MinTime(kMinTime);
}

using Speed = std::pair<double, double>;  // sign/s, verify/s

void print_summary(const RecordingReporter& r, const Subject& rsa, const Subject& ec,
                   const Speed& rsa_speed, const Speed& ec_speed) {
  std::printf(
      "\ninputs: RSA-2048 and ECDSA P-256 signing keys; signed SAML assertion %zu bytes (RSA) / "
      "%zu bytes (P-256) with a 2-certificate KeyInfo; threads=1; hardware threads=%u\n",
      rsa.signed_bytes.size(), ec.signed_bytes.size(), std::thread::hardware_concurrency());
  std::printf(
      "openssl speed -seconds 3 rsa2048: sign %.0f/s verify %.0f/s; "
      "-seconds 2 ecdsap256: sign %.0f/s verify %.0f/s\n",
      rsa_speed.first, rsa_speed.second, ec_speed.first, ec_speed.second);
  print_row("sigil sign rsa2048", r.rate("sign/rsa2048"), rsa_speed.first,
            r.rate("raw_sign/rsa2048"));
  print_row("sigil verify rsa2048", r.rate("verify/rsa2048"), rsa_speed.second,
            r.rate("raw_verify/rsa2048"));
  print_row("sigil sign p256", r.rate("sign/p256"), ec_speed.first, r.rate("raw_sign/p256"));
  print_row("sigil verify p256", r.rate("verify/p256"), ec_speed.second, r.rate("raw_verify/p256"));
}

int run(int argc, char** argv) {
  auto library = XmlSecLibrary::create();
  if (!library) {
    std::fprintf(stderr, "fatal: %s\n", library.error().to_string().c_str());
    return 1;
  }
  const bool skip_speed = take_flag(argc, argv, "--skip_openssl_speed");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const test::TestKeys& keys = test::test_keys();
  Subject rsa = make_subject("rsa2048", keys.rsa);
  Subject ec = make_subject("p256", keys.ec);
  register_benchmarks(&rsa);
  register_benchmarks(&ec);
  const Speed rsa_speed = skip_speed ? Speed{0, 0} : openssl_speed("rsa2048", 3);
  const Speed ec_speed = skip_speed ? Speed{0, 0} : openssl_speed("ecdsap256", 2);
  RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter, rsa, ec, rsa_speed, ec_speed);
  benchmark::Shutdown();
  return 0;
}

}  // namespace
}  // namespace sigil::xml::bench

int main(int argc, char** argv) {
  try {
    return sigil::xml::bench::run(argc, argv);
  } catch (const std::exception& e) {  // std::bad_alloc, std::regex_error: report, do not crash
    std::fprintf(stderr, "fatal: %s\n", e.what());
    return 1;
  }
}
