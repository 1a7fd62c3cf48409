// verify / verify_references: the profile checks around xmlsec (see dsig.hpp).
#include <algorithm>
#include <optional>

#include "cert_der.hpp"
#include "dsig_profile.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/handles.hpp"
#include "sigil/xml/ids.hpp"
#include "sigil/xml/tree.hpp"
#include "xmlsec_ctx.hpp"

namespace sigil::xml {
namespace {

Result<xmlNode*> only_signature_child(xmlNode* expected) {
  xmlNode* found = nullptr;
  for (xmlNode* c = first_child_element(expected); c != nullptr; c = next_sibling_element(c)) {
    if (!is_element(c, kDsigNs, "Signature")) continue;
    if (found != nullptr) {
      return fail(Errc::kSignatureInvalid, "signed element has more than one ds:Signature");
    }
    found = c;
  }
  if (found == nullptr) {
    return fail(Errc::kSignatureInvalid, "signed element has no ds:Signature child");
  }
  return found;
}

EVP_PKEY* public_key(const TrustedKey& t) {
  if (t.key != nullptr) return t.key;
  return t.cert != nullptr ? X509_get0_pubkey(t.cert) : nullptr;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact.push_back(c);
  }
  if (compact.empty() || compact.size() % 4 != 0) return std::nullopt;
  std::string out(compact.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(compact.data()),
                                static_cast<int>(compact.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && compact[compact.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// DER of the first ds:X509Certificate in KeyInfo: untrusted, used only to pick a trusted entry.
std::optional<std::string> keyinfo_leaf(const xmlNode* key_info) {
  if (key_info == nullptr) return std::nullopt;
  for (xmlNode* d = first_child_element(key_info); d != nullptr; d = next_sibling_element(d)) {
    if (!is_element(d, kDsigNs, "X509Data")) continue;
    for (xmlNode* c = first_child_element(d); c != nullptr; c = next_sibling_element(c)) {
      if (!is_element(c, kDsigNs, "X509Certificate")) continue;
      auto text = node_text(c);
      return text ? decode_base64(*text) : std::nullopt;
    }
  }
  return std::nullopt;
}

Result<std::vector<size_t>> candidate_keys(const detail::SignatureShape& shape,
                                           const VerifyTrust& trust) {
  std::vector<size_t> fitting;
  for (size_t i = 0; i < trust.keys.size(); ++i) {
    EVP_PKEY* key = public_key(trust.keys[i]);
    if (key != nullptr && detail::key_fits_method(key, shape.signature_method)) {
      fitting.push_back(i);
    }
  }
  if (fitting.empty()) {
    return fail(Errc::kSignatureInvalid, "no trusted key fits the signature method",
                shape.signature_method);
  }
  const std::optional<std::string> hint = keyinfo_leaf(shape.key_info);
  if (!hint) return fitting;
  std::vector<size_t> matches;
  for (size_t i : fitting) {
    if (trust.keys[i].cert != nullptr && detail::cert_der(trust.keys[i].cert) == *hint) {
      matches.push_back(i);
    }
  }
  return matches.size() == 1 ? matches : fitting;
}

Result<size_t> try_keys(xmlNode* sig, const VerifyTrust& trust,
                        const std::vector<size_t>& candidates, const std::string& uri) {
  std::string detail;
  for (size_t i : candidates) {
    auto ok =
        detail::xmlsec_verify(sig, public_key(trust.keys[i]), detail::Profile::kEnveloped, {uri});
    if (ok) return i;
    if (detail.size() < 4096) {
      if (!detail.empty()) detail += "; ";
      detail +=
          "key " + std::to_string(i) + ": " + ok.error().message + " (" + ok.error().detail + ")";
    }
  }
  return fail(Errc::kSignatureInvalid, "signature does not verify with a trusted key", detail);
}

// The element "#id" resolves to must be `expected` itself.
Result<std::string> resolvable_id(xmlDoc* doc, const xmlNode* expected) {
  SIGIL_TRY(std::string id, element_id(expected));
  if (element_by_id(doc, id) != expected) {
    return fail(Errc::kSignatureInvalid, "ID does not resolve to the signed element");
  }
  return id;
}

}  // namespace

Result<VerifiedNode> verify(xmlDoc* doc, xmlNode* expected_node, const VerifyTrust& trust) {
  if (doc == nullptr || expected_node == nullptr || expected_node->doc != doc) {
    return fail(Errc::kInvalidArgument, "verify needs a document and one of its elements");
  }
  if (trust.keys.empty()) return fail(Errc::kKeyNotFound, "no trusted verification keys");
  SIGIL_TRY_VOID(register_ids(doc));
  SIGIL_TRY(std::string id, resolvable_id(doc, expected_node));
  SIGIL_TRY(auto* sig, only_signature_child(expected_node));
  SIGIL_TRY(detail::SignatureShape shape, detail::read_signature(sig, detail::Profile::kEnveloped));
  const std::string uri = "#" + id;
  if (shape.references.front().uri != uri) {
    return fail(Errc::kSignatureInvalid, "Reference URI must be \"#\" + the signed element's ID",
                "URI=\"" + shape.references.front().uri + "\"");
  }
  SIGIL_TRY(std::vector<size_t> candidates, candidate_keys(shape, trust));
  SIGIL_TRY(size_t index, try_keys(sig, trust, candidates, uri));
  return VerifiedNode{expected_node, shape.signature_method, index};
}

Result<VerifiedReferences> verify_references(xmlDoc* doc, xmlNode* signature,
                                             const std::vector<xmlNode*>& expected_targets,
                                             EVP_PKEY* key) {
  if (doc == nullptr || signature == nullptr || key == nullptr || signature->doc != doc ||
      expected_targets.empty()) {
    return fail(Errc::kInvalidArgument, "verify_references needs a signature, targets and a key");
  }
  SIGIL_TRY_VOID(register_ids(doc));
  SIGIL_TRY(detail::SignatureShape shape,
            detail::read_signature(signature, detail::Profile::kDetached));
  if (shape.references.size() != expected_targets.size()) {
    return fail(Errc::kSignatureInvalid, "expected exactly one Reference per signed element");
  }
  std::vector<std::string> wanted;
  for (xmlNode* target : expected_targets) {
    SIGIL_TRY(std::string id, resolvable_id(doc, target));
    wanted.push_back("#" + id);
  }
  std::vector<std::string> uris;  // in Reference order, each naming a distinct target
  for (const detail::ReferenceShape& ref : shape.references) {
    auto it = std::find(wanted.begin(), wanted.end(), ref.uri);
    if (it == wanted.end()) {
      return fail(Errc::kSignatureInvalid, "Reference does not name an expected element",
                  "URI=\"" + ref.uri + "\"");
    }
    it->clear();  // each target may be referenced once
    uris.push_back(ref.uri);
  }
  if (!detail::key_fits_method(key, shape.signature_method)) {
    return fail(Errc::kSignatureInvalid, "the key does not fit the signature method");
  }
  SIGIL_TRY_VOID(detail::xmlsec_verify(signature, key, detail::Profile::kDetached, uris));
  return VerifiedReferences{expected_targets, shape.signature_method};
}

}  // namespace sigil::xml
