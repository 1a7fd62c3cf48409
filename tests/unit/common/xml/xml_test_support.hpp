#pragma once
// Test support for sigil::xml (unit, interop and bench): keys and certificates made with raw
// OpenSSL through the sigil::crypto handle aliases, a SAML-assertion-shaped document, and a
// helper that signs with an arbitrary xmlsec template (to build documents Sigil itself would
// never produce: SHA-1, inclusive c14n, extra transforms, ...).
//
// Thread-safety: test_keys() is created once (function-local static) and then read-only.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <openssl/pem.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>

#include "sigil/crypto/handles.hpp"
#include "sigil/xml/handles.hpp"
#include "sigil/xml/library.hpp"
#include "sigil/xml/parser.hpp"

namespace sigil::xml::test {

inline constexpr std::string_view kSaml2Ns = "urn:oasis:names:tc:SAML:2.0:assertion";

struct Credential {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
};

inline crypto::EvpPkeyPtr make_rsa_key(unsigned bits = 2048) {
  return crypto::EvpPkeyPtr(EVP_RSA_gen(bits));
}
inline crypto::EvpPkeyPtr make_ec_key() { return crypto::EvpPkeyPtr(EVP_EC_gen("P-256")); }

// A certificate for `key`, signed by `issuer` (self-signed when issuer is null).
inline crypto::X509Ptr make_cert(EVP_PKEY* key, const char* cn, const Credential* issuer, bool ca) {
  crypto::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 365);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_set_pubkey(cert.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : cert.get(), cert.get(), nullptr, nullptr, 0);
  crypto::X509ExtensionPtr bc(X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints,
                                                  ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  X509_add_ext(cert.get(), bc.get(), -1);
  X509_sign(cert.get(), issuer ? issuer->key.get() : key, EVP_sha256());
  return cert;
}

inline Credential make_credential(crypto::EvpPkeyPtr key, const char* cn, const Credential* issuer,
                                  bool ca = false) {
  crypto::X509Ptr cert = make_cert(key.get(), cn, issuer, ca);
  return Credential{std::move(key), std::move(cert)};
}

struct TestKeys {
  Credential ca;         // RSA-2048 issuing CA
  Credential rsa;        // RSA-2048 leaf issued by ca
  Credential ec;         // P-256 leaf issued by ca
  Credential untrusted;  // RSA-2048, self-signed, never in any trust list
};

inline const TestKeys& test_keys() {
  static const TestKeys keys = [] {
    TestKeys k;
    k.ca = make_credential(make_rsa_key(), "Sigil Test CA", nullptr, true);
    k.rsa = make_credential(make_rsa_key(), "sts-signing-rsa", &k.ca);
    k.ec = make_credential(make_ec_key(), "sts-signing-ec", &k.ca);
    k.untrusted = make_credential(make_rsa_key(), "sts-signing-rsa", nullptr);
    return k;
  }();
  return keys;
}

// A SAML 2.0 assertion in the shape of docs/reference/wstrust.md §3.3 (unsigned, one line).
inline std::string saml_assertion(const std::string& id = "_a1b2c3",
                                  const std::string& name_id = "Administrator@VSPHERE.LOCAL",
                                  int extra_groups = 0) {
  std::string groups;
  for (int i = 0; i < extra_groups; ++i) {
    groups += "<saml2:AttributeValue xsi:type=\"xs:string\">vsphere.local\\Group" +
              std::to_string(i) + "</saml2:AttributeValue>";
  }
  return "<saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
         "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ID=\"" +
         id +
         "\" IssueInstant=\"2026-01-02T10:00:00.456Z\" Version=\"2.0\">"
         "<saml2:Issuer Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\">"
         "https://sts.example/websso/SAML2/Metadata/vsphere.local</saml2:Issuer>"
         "<saml2:Subject><saml2:NameID Format=\"http://schemas.xmlsoap.org/claims/UPN\">" +
         name_id +
         "</saml2:NameID><saml2:SubjectConfirmation "
         "Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">"
         "<saml2:SubjectConfirmationData NotOnOrAfter=\"2026-01-02T10:05:00.456Z\">"
         "</saml2:SubjectConfirmationData></saml2:SubjectConfirmation></saml2:Subject>"
         "<saml2:Conditions NotBefore=\"2026-01-02T10:00:00.456Z\" "
         "NotOnOrAfter=\"2026-01-02T10:05:00.456Z\"><saml2:ProxyRestriction Count=\"10\">"
         "</saml2:ProxyRestriction></saml2:Conditions>"
         "<saml2:AuthnStatement AuthnInstant=\"2026-01-02T10:00:00.450Z\"><saml2:AuthnContext>"
         "<saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:"
         "PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext>"
         "</saml2:AuthnStatement><saml2:AttributeStatement>"
         "<saml2:Attribute FriendlyName=\"Groups\" "
         "Name=\"http://rsa.com/schemas/attr-names/2009/01/GroupIdentity\" "
         "NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">"
         "<saml2:AttributeValue xsi:type=\"xs:string\">vsphere.local\\Users</saml2:AttributeValue>"
         "<saml2:AttributeValue xsi:type=\"xs:string\">vsphere.local\\Administrators"
         "</saml2:AttributeValue>" +
         groups +
         "</saml2:Attribute><saml2:Attribute FriendlyName=\"givenName\" "
         "Name=\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname\" "
         "NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">"
         "<saml2:AttributeValue xsi:type=\"xs:string\">Administrator</saml2:AttributeValue>"
         "</saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>";
}

inline std::string base64_der(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &p);
  std::string b64(static_cast<size_t>(4 * ((len + 2) / 3) + 1), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(der.data()), len);
  b64.resize(static_cast<size_t>(n));
  return b64;
}

inline XmlDocPtr parse_or_die(const std::string& xml) {
  auto doc = parse_untrusted(xml);
  if (!doc) {
    std::fprintf(stderr, "test document does not parse: %s\n", doc.error().to_string().c_str());
    std::abort();
  }
  return std::move(doc).value();
}

// The first element of the document with this namespace URI and local name, or nullptr.
inline xmlNode* find_element(xmlDoc* doc, std::string_view ns, std::string_view local) {
  const auto* root = reinterpret_cast<const xmlNode*>(doc);
  for (xmlNode* n = root->children; n != nullptr;) {
    const std::string_view href =
        n->ns == nullptr ? std::string_view() : reinterpret_cast<const char*>(n->ns->href);
    if (n->type == XML_ELEMENT_NODE && ns == href &&
        local == reinterpret_cast<const char*>(n->name)) {
      return n;
    }
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n != root && n->next == nullptr) n = n->parent;
    n = (n == nullptr || n == root) ? nullptr : n->next;
  }
  return nullptr;
}

// Signs `node` (ID attribute `id`, already registered by the caller) with an arbitrary template.
struct TemplateSpec {
  xmlSecTransformId c14n = xmlSecTransformExclC14NId;
  xmlSecTransformId method = xmlSecTransformRsaSha256Id;
  xmlSecTransformId digest = xmlSecTransformSha256Id;
  std::vector<xmlSecTransformId> transforms = {xmlSecTransformEnvelopedId,
                                               xmlSecTransformExclC14NId};
  std::vector<std::string> uris;         // one Reference per URI; default {"#" + id}
  const Credential* key_info = nullptr;  // certificate to put into KeyInfo
};

inline bool sign_with_template(xmlDoc* doc, xmlNode* node, const std::string& id, EVP_PKEY* key,
                               const TemplateSpec& spec) {
  xmlNode* sig = xmlSecTmplSignatureCreateNsPref(doc, spec.c14n, spec.method, nullptr,
                                                 reinterpret_cast<const xmlChar*>("ds"));
  if (xmlAddChild(node, sig) == nullptr) return false;  // the tree owns the template from here on
  const std::vector<std::string> uris =
      spec.uris.empty() ? std::vector<std::string>{"#" + id} : spec.uris;
  for (const std::string& uri : uris) {
    xmlNode* ref = xmlSecTmplSignatureAddReference(
        sig, spec.digest, nullptr, reinterpret_cast<const xmlChar*>(uri.c_str()), nullptr);
    for (xmlSecTransformId t : spec.transforms) {
      xmlNode* transform = xmlSecTmplReferenceAddTransform(ref, t);
      if (t == xmlSecTransformXPathId) {
        xmlSecTmplTransformAddXPath(transform, reinterpret_cast<const xmlChar*>("true()"), nullptr);
      }
    }
  }
  if (spec.key_info != nullptr) {
    xmlNode* x509 = xmlSecTmplKeyInfoAddX509Data(xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr));
    xmlSecTmplX509DataAddCertificate(x509);
  }
  crypto::EvpPkeyPtr ref_key = crypto::share(key);
  SecKeyDataPtr data(xmlSecOpenSSLEvpKeyAdopt(ref_key.release()));  // takes ownership
  SecKeyPtr sec_key(xmlSecKeyCreate());
  xmlSecKeySetValue(sec_key.get(), data.release());  // xmlSecKeySetValue takes ownership
  if (spec.key_info != nullptr) {
    xmlSecKeyDataPtr x509 = xmlSecKeyEnsureData(sec_key.get(), xmlSecOpenSSLKeyDataX509Id);
    xmlSecOpenSSLKeyDataX509AdoptCert(x509, crypto::share(spec.key_info->cert.get()).release());
  }
  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  ctx->signKey = sec_key.release();  // xmlSecDSigCtxDestroy frees signKey
  return xmlSecDSigCtxSign(ctx.get(), sig) == 0;
}

}  // namespace sigil::xml::test
