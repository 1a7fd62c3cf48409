// Writes the fuzz seeds that only Sigil's own writers can produce into <dir>/<target>/ (run by
// `scripts/fuzz --make-seeds`; the result is checked in under tests/fuzz/corpus/): SAML tokens
// signed with the fixed fuzz identity, the WS-Trust requests of the unit tests
// (tests/unit/services/sts/wstrust/wstrust_fixtures.hpp), bundle files and payloads, peer change
// records, and certificates, chains, keys and CSRs for the import checks. Key material is made
// fresh on each run and is for these tests only.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "certmgr/bundle/bundle_format.hpp"
#include "certmgr/peers/change_record.hpp"
#include "fuzz_support.hpp"
#include "sigil/base/time_format.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/saml/writer.hpp"
#include "wstrust_fixtures.hpp"

namespace {

using namespace sigil;
using namespace std::chrono;
namespace fs = std::filesystem;

fs::path g_out;

void write(const std::string& target, const std::string& name, std::string_view bytes) {
  fs::create_directories(g_out / target);
  std::ofstream(g_out / target / name, std::ios::binary) << bytes;
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) sts::wstrust::test::die(what, r.error().to_string());
  return std::move(r).value();
}

const TimePoint kIssued{seconds{fuzz::kIssuedUnixSeconds}};

saml::AssertionSpec token_spec(const std::string& id) {
  saml::AssertionSpec s;
  s.id = id;
  s.issue_instant = kIssued;
  s.issuer = std::string(fuzz::kIssuer);
  s.subject_upn = "Administrator@VSPHERE.LOCAL";
  s.not_before = kIssued;
  s.not_on_or_after = kIssued + minutes{30};
  s.proxy_count = 10;
  s.authn_instant = kIssued;
  s.attributes = {{"Groups", std::string(saml::uri::kAttrGroups), {"vsphere.local\\Administrators"}},
                  {"Subject Type", std::string(saml::uri::kAttrGroups), {"false"}}};
  return s;
}

void write_tokens() {
  auto key = must(crypto::read_private_key_pem(fuzz::kSigningKeyPem), "fuzz key");
  auto cert = must(crypto::parse_certificate_pem(fuzz::kSigningCertPem), "fuzz cert");
  const saml::SigningIdentity id{key.get(),
                                 {crypto::base64_encode(*crypto::write_certificate_der(cert.get()))}};
  auto holder = sts::wstrust::test::make_signer("fuzz holder");
  std::vector<std::pair<std::string, saml::AssertionSpec>> specs;
  specs.emplace_back("bearer.xml", token_spec("_fuzz-bearer"));
  saml::AssertionSpec hok = token_spec("_fuzz-hok");
  hok.confirmation = saml::Confirmation::kHolderOfKey;
  hok.hok_certificate_b64 = holder.cert_b64;
  hok.renew_count = 5;
  hok.audience = "urn:vc";
  hok.authn_method = saml::AuthnMethod::kXmlDsig;
  specs.emplace_back("hok.xml", hok);
  saml::AssertionSpec act_as = hok;
  act_as.id = "_fuzz-actas";
  act_as.delegates = {{"vpxd@VSPHERE.LOCAL", kIssued}};
  act_as.confirmation_upn = "vpxd@VSPHERE.LOCAL";
  act_as.proxy_count = 9;
  specs.emplace_back("act_as.xml", act_as);
  for (const auto& [name, spec] : specs) {
    const std::string token = must(saml::write_signed_assertion(spec, id), "sign token");
    write("saml_validator", name, token);
    write("xml_dsig", "token_" + name, token);
  }
}

void write_wstrust() {
  namespace t = sts::wstrust::test;
  const t::TestSigner& s = t::test_signer();
  const std::string token = t::test_assertion("_tok1");
  std::vector<std::pair<std::string, std::string>> reqs = {
      {"py_bearer.xml", t::py_bearer("Administrator@vsphere.local", "secret")},
      {"py_hok.xml", t::sign_envelope(t::py_hok_unsigned(s), s.key.get(), t::py_bst_spec())},
      {"py_act_as.xml",
       t::sign_envelope(t::py_act_as_unsigned(s, token), s.key.get(), t::py_bst_spec())},
      {"py_token_by_token.xml",
       t::sign_envelope(t::py_token_by_token_unsigned(token), s.key.get(),
                        t::py_samlid_spec("_tok1"))},
      {"go_bearer.xml", t::go_bearer("Administrator@vsphere.local", "secret")},
      {"go_hok.xml", t::go_hok(s)},
      {"go_hok_sha512.xml", t::go_hok(s, t::SigAlg::kRsaSha512)},
      {"go_renew.xml", t::sign_envelope(t::go_signed_unsigned(s, t::go_renew_rst(token)),
                                        s.key.get(), t::go_spec())},
      {"validate.xml", t::validate_request(token)},
  };
  for (const auto& [name, body] : reqs) write("wstrust_request", name, body);
  write("xml_dsig", "request_py_hok.xml", reqs[1].second);
  write("xml_dsig", "request_go_hok.xml", reqs[5].second);
}

void write_bundles() {
  namespace b = certmgr::bundle;
  b::Payload p;
  p.tenant = "acme";
  p.exported_at = "2026-11-24T09:00:00.000Z";
  p.exported_by = "cert:sha256:00";
  p.source_deployment = "a.example.test";
  for (const db::PolicyField& pf : db::policy_fields()) p.policy.*pf.member = pf.min + 1;
  p.hostnames = {"sts.acme.test"};
  b::BundleUser u;
  u.name = "alice";
  u.groups = {"Administrators"};
  u.first_name = "Alice";
  u.password_hash = "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA";
  p.users.push_back(u);
  b::BundleSolutionUser su;
  su.name = "vpxd";
  su.certificate_pem = std::string(fuzz::kSigningCertPem);
  su.groups = {"ActAsUsers"};
  p.solution_users.push_back(su);
  p.signing_certificates = {std::string(fuzz::kSigningCertPem)};
  p.ca_certificates = {std::string(fuzz::kSigningCertPem)};
  const std::string payload = b::serialize_payload(p);
  write("bundle", "payload.json", payload);
  write("bundle", "bundle.json", b::serialize_envelope(payload, {0x30, 0x03, 0x02, 0x01, 0x01}));
}

keys::ReplicatedKey replicated_key(std::string id, keys::KeyState state, TimePoint t0) {
  keys::ReplicatedKey k;
  k.key_id = std::move(id);
  k.state = state;
  k.source = "builtin-ca";
  k.algorithm = "ecdsa-sha256";
  k.certificate_chain_pem = std::string(fuzz::kSigningCertPem);
  k.certificate_sha256 = std::string(64, 'a');
  k.not_before = t0 - hours{1};
  k.not_after = t0 + hours{24};
  if (state == keys::KeyState::kActive) k.activated_at = t0;
  if (state == keys::KeyState::kVerifyOnly) {
    k.activated_at = t0 - minutes{30};
    k.deactivated_at = t0;
    k.verify_until = t0 + hours{2};
  }
  return k;
}

void write_peer_records() {
  const TimePoint t0 = kIssued + microseconds{123456};
  certmgr::peers::WireRecord r;
  r.seq = 7;
  r.tenant = "vsphere.local";
  r.kind = "keyset.rotate";
  r.keys = {replicated_key("sk-new", keys::KeyState::kActive, t0),
            replicated_key("sk-old", keys::KeyState::kVerifyOnly, t0),
            replicated_key("sk-next", keys::KeyState::kPending, t0)};
  r.private_key_pems = {std::string(fuzz::kSigningKeyPem), "pem-old", "pem-next"};
  write("peer_record", "rotate.json", certmgr::peers::serialize(r));
}

crypto::X509Ptr issue(EVP_PKEY* key, const std::string& cn, std::vector<std::string> dns,
                      bool ca, EVP_PKEY* issuer_key, X509* issuer_cert) {
  crypto::CertRequest req;
  req.subject.common_name = cn;
  req.dns_names = std::move(dns);
  req.subject_key = key;
  req.not_before = kIssued - hours{24};
  req.not_after = kIssued + hours{24 * 365};
  req.is_ca = ca;
  req.key_usage.digital_signature = true;
  req.key_usage.key_encipherment = !ca;
  req.key_usage.key_cert_sign = ca;
  if (!ca) req.extended_key_usage = crypto::ExtendedKeyUsage{.server_auth = true};
  req.issuer_key = issuer_key;
  req.issuer_cert = issuer_cert;
  return must(crypto::issue_certificate(req), "issue certificate");
}

void write_certificates() {
  auto ca_key = must(crypto::generate_key(crypto::KeyType::kEcdsaP256), "ca key");
  auto ca = issue(ca_key.get(), "fuzz root", {}, true, ca_key.get(), nullptr);
  auto rsa = must(crypto::generate_key(crypto::KeyType::kRsa2048), "rsa key");
  auto leaf = issue(rsa.get(), "sts.example", {"sts.example", "*.sts.example"}, false,
                    ca_key.get(), ca.get());
  auto ec = must(crypto::generate_key(crypto::KeyType::kEcdsaP256), "ec key");
  auto self = issue(ec.get(), "sts.example", {"sts.example"}, false, ec.get(), nullptr);
  const std::string leaf_pem = must(crypto::write_certificate_pem(leaf.get()), "pem");
  const std::string ca_pem = must(crypto::write_certificate_pem(ca.get()), "pem");
  const std::string self_pem = must(crypto::write_certificate_pem(self.get()), "pem");
  const std::string rsa_key = std::string(must(crypto::write_private_key_pem(rsa.get()), "key").view());
  const std::string ec_key = std::string(must(crypto::write_private_key_pem(ec.get()), "key").view());
  write("cert_import", "chain_and_key.pem", rsa_key + leaf_pem + ca_pem);
  write("cert_import", "self_signed_and_key.pem", ec_key + self_pem);
  write("cert_import", "chain.pem", leaf_pem + ca_pem);
  const auto der = must(crypto::write_certificate_der(leaf.get()), "der");
  write("cert_import", "leaf.der", std::string(der.begin(), der.end()));
  const std::vector<std::string> names = {"sts.example"};
  auto csr = must(crypto::make_csr(ec.get(), {.common_name = "sts.example"}, names), "csr");
  write("cert_import", "request.csr", must(crypto::write_csr_pem(csr.get()), "csr pem"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUTPUT_DIR\n");
    return 2;
  }
  g_out = argv[1];
  xml::XmlSecLibrary::ensure();
  write_tokens();
  write_wstrust();
  write_bundles();
  write_peer_records();
  write_certificates();
  return 0;
}
