// sign_enveloped: builds the ds:Signature template and lets xmlsec compute digest and signature.
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmltree.h>

#include "cert_der.hpp"
#include "error_capture.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/handles.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/tree.hpp"
#include "xmlsec_ctx.hpp"

namespace sigil::xml {
namespace {

Result<xmlSecTransformId> method_for_key(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) {
        return fail(Errc::kInvalidArgument, "RSA signing keys must have at least 2048 bits");
      }
      return xmlSecTransformRsaSha256Id;
    case EVP_PKEY_EC:
      return xmlSecTransformEcdsaSha256Id;
    default:
      return fail(Errc::kInvalidArgument, "signing key must be RSA or EC");
  }
}

Result<void> check_chain(EVP_PKEY* key, const std::vector<X509*>& chain) {
  for (X509* cert : chain) {
    if (cert == nullptr) return fail(Errc::kInvalidArgument, "null certificate in the chain");
  }
  if (!chain.empty() && EVP_PKEY_eq(X509_get0_pubkey(chain.front()), key) != 1) {
    return fail(Errc::kInvalidArgument, "the first certificate does not match the signing key");
  }
  return {};
}

Result<xmlNode*> find_anchor(xmlNode* node, const SignOptions& options) {
  if (!options.insert_after) return static_cast<xmlNode*>(nullptr);
  const QName& name = *options.insert_after;
  for (xmlNode* c = first_child_element(node); c != nullptr; c = next_sibling_element(c)) {
    if (is_element(c, name.ns, name.local)) return c;
  }
  return fail(Errc::kInvalidArgument, "no <" + name.local + "> child to put the signature after");
}

Result<std::string> base64_der(X509* cert) {
  const std::string der = detail::cert_der(cert);
  if (der.empty()) return fail(Errc::kInvalidArgument, "cannot encode a chain certificate");
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(der.data()),
                                static_cast<int>(der.size()));
  b64.resize(static_cast<size_t>(n));
  return b64;
}

Result<void> add_key_info(xmlNode* signature, const std::vector<X509*>& chain) {
  if (chain.empty()) return {};
  xmlNode* key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  xmlNode* x509_data = key_info == nullptr ? nullptr : xmlSecTmplKeyInfoAddX509Data(key_info);
  if (x509_data == nullptr) return fail(Errc::kInternal, "cannot build KeyInfo");
  for (X509* cert : chain) {
    SIGIL_TRY(std::string b64, base64_der(cert));
    xmlNode* node = xmlSecAddChild(x509_data, xmlSecNodeX509Certificate, xmlSecDSigNs);
    if (node == nullptr) return fail(Errc::kInternal, "cannot build X509Certificate");
    xmlNodeAddContent(node, as_xml_chars(b64.c_str()));
  }
  return {};
}

// xmlsec templates are pretty-printed; the wire form of a token has no formatting whitespace.
void remove_formatting(xmlNode* root) {
  std::vector<xmlNode*> blanks;
  for (xmlNode* n = next_in_subtree(root, root); n != nullptr; n = next_in_subtree(n, root)) {
    if (n->type == XML_TEXT_NODE && xmlIsBlankNode(n) != 0) blanks.push_back(n);
  }
  for (xmlNode* n : blanks) {
    xmlUnlinkNode(n);
    XmlNodePtr drop(n);
  }
}

// Removes the line breaks xmlsec puts into base64 values.
void compact_base64(xmlNode* element) {
  XmlCharPtr content(xmlNodeGetContent(element));
  if (!content) return;
  std::string compact;
  for (const xmlChar* p = content.get(); *p != 0; ++p) {
    if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t') {
      compact.push_back(static_cast<char>(*p));
    }
  }
  xmlNodeSetContent(element, as_xml_chars(compact.c_str()));  // base64 needs no escaping
}

void compact_values(xmlNode* signature) {
  for (xmlNode* n = next_in_subtree(signature, signature); n != nullptr;
       n = next_in_subtree(n, signature)) {
    if (is_element(n, kDsigNs, "SignatureValue") || is_element(n, kDsigNs, "DigestValue")) {
      compact_base64(n);
    }
  }
}

Result<XmlNodePtr> build_template(xmlDoc* doc, const std::string& id, xmlSecTransformId method,
                                  const std::vector<X509*>& chain, const SignOptions& options) {
  XmlNodePtr sig(xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, method, nullptr,
                                                 as_xml_chars("ds")));
  if (!sig) return fail(Errc::kInternal, "cannot create the signature template");
  const std::string uri = "#" + id;
  xmlNode* ref = xmlSecTmplSignatureAddReference(sig.get(), xmlSecTransformSha256Id, nullptr,
                                                 as_xml_chars(uri.c_str()), nullptr);
  xmlNode* env =
      ref == nullptr ? nullptr : xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
  xmlNode* c14n =
      env == nullptr ? nullptr : xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId);
  if (c14n == nullptr) return fail(Errc::kInternal, "cannot build the signature Reference");
  if (!options.inclusive_prefixes.empty()) {
    std::string list;
    for (const std::string& p : options.inclusive_prefixes) list += (list.empty() ? "" : " ") + p;
    if (xmlSecTmplTransformAddC14NInclNamespaces(c14n, as_xml_chars(list.c_str())) < 0) {
      return fail(Errc::kInternal, "cannot add InclusiveNamespaces");
    }
  }
  SIGIL_TRY_VOID(add_key_info(sig.get(), chain));
  remove_formatting(sig.get());
  return sig;
}

// Links `sig` into `node` after `anchor` (or as first child); the tree owns it afterwards.
xmlNode* insert_signature(xmlNode* node, xmlNode* anchor, XmlNodePtr sig) {
  xmlNode* linked = nullptr;
  if (anchor != nullptr) {
    linked = xmlAddNextSibling(anchor, sig.get());
  } else if (node->children != nullptr) {
    linked = xmlAddPrevSibling(node->children, sig.get());
  } else {
    linked = xmlAddChild(node, sig.get());
  }
  if (linked != nullptr) static_cast<void>(sig.release());  // xmlAdd*: the tree owns it now
  return linked;
}

Result<void> check_arguments(xmlDoc* doc, xmlNode* node, EVP_PKEY* key) {
  if (doc == nullptr || node == nullptr || key == nullptr || node->doc != doc ||
      node->type != XML_ELEMENT_NODE) {
    return fail(Errc::kInvalidArgument,
                "sign_enveloped needs a document, one of its elements and a key");
  }
  return {};
}

}  // namespace

Result<void> sign_enveloped(xmlDoc* doc, xmlNode* node, EVP_PKEY* key,
                            const std::vector<X509*>& cert_chain, const SignOptions& options) {
  SIGIL_TRY_VOID(check_arguments(doc, node, key));
  SIGIL_TRY(xmlSecTransformId method, method_for_key(key));
  SIGIL_TRY_VOID(check_chain(key, cert_chain));
  auto id = element_id(node);
  if (!id) return fail(Errc::kInvalidArgument, "element to sign: " + id.error().message);
  if (auto ids = register_ids(doc); !ids) {
    return fail(Errc::kInvalidArgument, "document to sign: " + ids.error().message,
                ids.error().detail);
  }
  SIGIL_TRY(auto* anchor, find_anchor(node, options));

  detail::ErrorCapture capture;
  auto tmpl = build_template(doc, *id, method, cert_chain, options);
  if (!tmpl) return fail(tmpl.error().code, tmpl.error().message, capture.take());
  xmlNode* sig = insert_signature(node, anchor, std::move(tmpl).value());
  if (sig == nullptr) return fail(Errc::kInternal, "cannot insert the signature", capture.take());
  if (auto signed_ok = detail::xmlsec_sign(sig, key); !signed_ok) {
    xmlUnlinkNode(sig);
    XmlNodePtr drop(sig);  // leave the document as it was
    return unexpected(std::move(signed_ok).error());
  }
  compact_values(sig);
  return {};
}

}  // namespace sigil::xml
