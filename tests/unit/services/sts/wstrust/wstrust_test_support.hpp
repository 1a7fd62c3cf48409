#pragma once
// Test support for services/sts/wstrust: a throw-away solution-user identity and a WS-Security
// request signer that works the way pyVmomi and govmomi do (exc-c14n of the Body and Timestamp,
// digests into SignedInfo, exc-c14n of SignedInfo signed with RSA PKCS#1 v1.5), so tests can
// build signed requests byte for byte and then tamper with them. SHA-1 is available here only
// to prove that the verifier refuses it.
//
// Thread-safety: test_signer() is created once (function-local static) and then read-only.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/saml/names.hpp"
#include "sigil/xml/c14n.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/library.hpp"
#include "sigil/xml/parser.hpp"

namespace sigil::sts::wstrust::test {

struct TestSigner {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  std::string cert_b64;  // base64 DER, one line
};

[[noreturn]] inline void die(const char* what, const std::string& why) {
  std::fprintf(stderr, "wstrust test support: %s: %s\n", what, why.c_str());
  std::abort();
}

inline TestSigner make_signer(std::string cn) {
  TestSigner s;
  auto key = crypto::generate_key(crypto::KeyType::kRsa2048);
  if (!key) die("generate_key", key.error().to_string());
  s.key = std::move(key).value();
  crypto::CertRequest req;
  req.subject.common_name = std::move(cn);
  req.subject_key = s.key.get();
  req.issuer_key = s.key.get();
  req.not_before = parse_time("2025-01-01T00:00:00Z").value();
  req.not_after = parse_time("2035-01-01T00:00:00Z").value();
  req.key_usage.digital_signature = true;
  auto cert = crypto::issue_certificate(req);
  if (!cert) die("issue_certificate", cert.error().to_string());
  s.cert = std::move(cert).value();
  s.cert_b64 = crypto::base64_encode(crypto::write_certificate_der(s.cert.get()).value());
  return s;
}

/// The solution user of most tests, and a second identity that nobody trusts.
inline const TestSigner& test_signer() {
  static const TestSigner s = make_signer("wstrust-test-solution-user");
  return s;
}
inline const TestSigner& other_signer() {
  static const TestSigner s = make_signer("wstrust-test-intruder");
  return s;
}

inline std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

enum class SigAlg { kRsaSha256, kRsaSha512, kRsaSha1 };

struct SignatureSpec {
  SigAlg alg = SigAlg::kRsaSha256;
  std::vector<std::string> reference_ids;  // signed elements by ID, in Reference order
  std::string id;                          // ds:Signature/@Id; "" = none (pyVmomi token-by-token)
  std::string key_info;                    // inner XML of ds:KeyInfo; "" = no KeyInfo
  bool self_closing = false;               // lxml writes <x/>; Go writes <x></x>
  bool signed_info_xmlns = false;          // govmomi repeats xmlns:ds on SignedInfo
};

inline const EVP_MD* md_of(SigAlg alg) {
  switch (alg) {
    case SigAlg::kRsaSha512:
      return EVP_sha512();
    case SigAlg::kRsaSha1:
      return EVP_sha1();
    case SigAlg::kRsaSha256:
      break;
  }
  return EVP_sha256();
}

inline std::string method_uri(SigAlg alg) {
  switch (alg) {
    case SigAlg::kRsaSha512:
      return std::string(saml::uri::kRsaSha512);
    case SigAlg::kRsaSha1:
      return "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    case SigAlg::kRsaSha256:
      break;
  }
  return std::string(saml::uri::kRsaSha256);
}

inline std::string digest_uri(SigAlg alg) {
  switch (alg) {
    case SigAlg::kRsaSha512:
      return std::string(saml::uri::kSha512);
    case SigAlg::kRsaSha1:
      return "http://www.w3.org/2000/09/xmldsig#sha1";
    case SigAlg::kRsaSha256:
      break;
  }
  return std::string(saml::uri::kSha256);
}

inline std::string base64_digest(SigAlg alg, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, md_of(alg), nullptr) != 1) die("digest", "");
  return crypto::base64_encode(crypto::ByteView(out, n));
}

inline std::string base64_rsa_signature(EVP_PKEY* key, SigAlg alg, std::string_view data) {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t n = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md_of(alg), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &n, crypto::bytes_of(data).data(), data.size()) != 1) {
    die("sign", "init");
  }
  std::vector<unsigned char> sig(n);
  if (EVP_DigestSign(ctx.get(), sig.data(), &n, crypto::bytes_of(data).data(), data.size()) != 1) {
    die("sign", "final");
  }
  return crypto::base64_encode(crypto::ByteView(sig.data(), n));
}

inline std::string empty_element(const SignatureSpec& spec, const std::string& name,
                                 const std::string& attrs) {
  return spec.self_closing ? "<" + name + attrs + "/>" : "<" + name + attrs + "></" + name + ">";
}

inline std::string signed_info_xml(const SignatureSpec& spec,
                                   const std::vector<std::string>& digests) {
  const std::string ds_ns(saml::ns::kDs);
  std::string out = "<ds:SignedInfo" +
                    (spec.signed_info_xmlns ? " xmlns:ds=\"" + ds_ns + "\"" : std::string()) + ">";
  out += empty_element(spec, "ds:CanonicalizationMethod",
                       " Algorithm=\"" + std::string(saml::ns::kExcC14n) + "\"");
  out += empty_element(spec, "ds:SignatureMethod", " Algorithm=\"" + method_uri(spec.alg) + "\"");
  for (size_t i = 0; i < spec.reference_ids.size(); ++i) {
    out += "<ds:Reference URI=\"#" + spec.reference_ids[i] + "\"><ds:Transforms>" +
           empty_element(spec, "ds:Transform",
                         " Algorithm=\"" + std::string(saml::ns::kExcC14n) + "\"") +
           "</ds:Transforms>" +
           empty_element(spec, "ds:DigestMethod", " Algorithm=\"" + digest_uri(spec.alg) + "\"") +
           "<ds:DigestValue>" + digests[i] + "</ds:DigestValue></ds:Reference>";
  }
  return out + "</ds:SignedInfo>";
}

inline std::string signature_xml(const SignatureSpec& spec, const std::string& signed_info,
                                 const std::string& value) {
  std::string out = "<ds:Signature xmlns:ds=\"" + std::string(saml::ns::kDs) + "\"" +
                    (spec.id.empty() ? std::string() : " Id=\"" + spec.id + "\"") + ">";
  out += signed_info + "<ds:SignatureValue>" + value + "</ds:SignatureValue>";
  if (!spec.key_info.empty()) out += "<ds:KeyInfo>" + spec.key_info + "</ds:KeyInfo>";
  return out + "</ds:Signature>";
}

inline xml::XmlDocPtr parse_or_die(const std::string& xml_text) {
  xml::XmlSecLibrary::ensure();
  auto doc = xml::parse_untrusted(xml_text);
  if (!doc) die("parse", doc.error().to_string());
  return std::move(doc).value();
}

/// Replaces the marker "@SIGNATURE@" in `envelope` by a ds:Signature over the elements named
/// in spec.reference_ids, made with `key`, exactly as the clients compute it.
inline std::string sign_envelope(const std::string& envelope, EVP_PKEY* key,
                                 const SignatureSpec& spec) {
  constexpr std::string_view kMarker = "@SIGNATURE@";
  xml::XmlDocPtr doc = parse_or_die(replace_all(envelope, kMarker, ""));
  if (!xml::register_ids(doc.get())) die("register_ids", "duplicate IDs in a test envelope");
  std::vector<std::string> digests;
  for (const std::string& id : spec.reference_ids) {
    xmlNode* target = xml::element_by_id(doc.get(), id);
    if (target == nullptr) die("sign_envelope", "no element with ID " + id);
    digests.push_back(base64_digest(spec.alg, xml::exc_c14n(doc.get(), target).value()));
  }
  const std::string signed_info = signed_info_xml(spec, digests);
  // SignedInfo's exc-c14n only depends on the ds prefix, so a standalone parse (without KeyInfo,
  // whose prefixes may be declared on ancestors) gives the bytes the verifier sees.
  SignatureSpec bare = spec;
  bare.key_info.clear();
  xml::XmlDocPtr si_doc = parse_or_die(signature_xml(bare, signed_info, ""));
  xmlNode* si = xmlFirstElementChild(xmlDocGetRootElement(si_doc.get()));
  const std::string c14n = xml::exc_c14n(si_doc.get(), si).value();
  const std::string value = base64_rsa_signature(key, spec.alg, c14n);
  return replace_all(envelope, kMarker, signature_xml(spec, signed_info, value));
}

}  // namespace sigil::sts::wstrust::test
