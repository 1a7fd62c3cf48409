// libFuzzer target: the untrusted-XML parser (xml::parse_untrusted) and, on every document it
// accepts, the XML-DSig profile check (detail::read_signature, both profiles) of each ds:Signature,
// exclusive c14n, and xml::verify against a fixed trusted certificate. Any input must come back
// as a value (a tree or an Error): no crash, leak, sanitizer report or hang.

#include <cstddef>
#include <cstdint>

#include "dsig_profile.hpp"
#include "fuzz_support.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/xml/c14n.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/library.hpp"
#include "sigil/xml/parser.hpp"
#include "sigil/xml/tree.hpp"

namespace {

using namespace sigil;

X509* trusted_certificate() {
  static crypto::X509Ptr cert = *crypto::parse_certificate_pem(fuzz::kSigningCertPem);
  return cert.get();
}

void check_signatures(xmlDoc* doc, xmlNode* root) {
  for (xmlNode* n = root; n != nullptr; n = xml::next_in_subtree(n, root)) {
    if (!xml::is_element(n, xml::kDsigNs, "Signature")) continue;
    (void)xml::detail::read_signature(n, xml::detail::Profile::kEnveloped);
    (void)xml::detail::read_signature(n, xml::detail::Profile::kDetached);
    if (n->parent != nullptr && n->parent->type == XML_ELEMENT_NODE) {
      xml::VerifyTrust trust{{{nullptr, trusted_certificate()}}};
      (void)xml::verify(doc, n->parent, trust);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xml::XmlSecLibrary::ensure();
  (void)trusted_certificate();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto doc = xml::parse_untrusted(fuzz::as_text(data, size));
  if (!doc) return 0;
  xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr) return 0;
  (void)xml::element_id(root);
  (void)xml::exc_c14n(doc->get(), root);
  check_signatures(doc->get(), root);
  return 0;
}
