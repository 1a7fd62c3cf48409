#include "sigil/xml/c14n.hpp"

#include <climits>

#include <libxml/c14n.h>
#include <libxml/xmlsave.h>

#include "error_capture.hpp"
#include "sigil/xml/handles.hpp"

namespace sigil::xml {
namespace {

// libxml2 calls this for every node of the document; only `root` and its descendants (and
// their attributes and in-scope namespace nodes) are part of the output.
int visible_in_subtree(void* user_data, xmlNode* node, xmlNode* parent) {
  const auto* root = static_cast<const xmlNode*>(user_data);
  // Namespace nodes and attributes are judged by the element that carries them.
  const xmlNode* n =
      (node == nullptr || node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE)
          ? parent
          : node;
  for (; n != nullptr; n = n->parent) {
    if (n == root) return 1;
  }
  return 0;
}

int append_to_string(void* context, const char* buffer, int len) {
  static_cast<std::string*>(context)->append(buffer, static_cast<size_t>(len));
  return len;
}

}  // namespace

Result<std::string> exc_c14n(xmlDoc* doc, xmlNode* node,
                             const std::vector<std::string>& inclusive_prefixes,
                             bool with_comments) {
  detail::ErrorCapture capture;
  std::vector<xmlChar*> prefixes;
  prefixes.reserve(inclusive_prefixes.size() + 1);
  for (const std::string& p : inclusive_prefixes) {
    // xmlC14NExecute takes a non-const list but does not modify it.
    prefixes.push_back(const_cast<xmlChar*>(as_xml_chars(p.c_str())));
  }
  prefixes.push_back(nullptr);

  std::string out;
  XmlOutputBufferPtr buf(xmlOutputBufferCreateIO(append_to_string, nullptr, &out, nullptr));
  if (!buf) return fail(Errc::kInternal, "cannot create a c14n output buffer", capture.take());
  const int rc = xmlC14NExecute(doc, visible_in_subtree, node, XML_C14N_EXCLUSIVE_1_0,
                                prefixes.data(), with_comments ? 1 : 0, buf.get());
  if (rc < 0 || xmlOutputBufferFlush(buf.get()) < 0) {
    return fail(Errc::kInternal, "exclusive c14n failed", capture.take());
  }
  return out;
}

Result<std::string> serialize(xmlDoc* doc) {
  detail::ErrorCapture capture;
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
  XmlCharPtr owned(mem);
  if (!owned || size < 0) return fail(Errc::kInternal, "XML serialisation failed", capture.take());
  return std::string(as_chars(owned.get()), static_cast<size_t>(size));
}

Result<std::string> serialize_node(xmlDoc* doc, xmlNode* node) {
  detail::ErrorCapture capture;
  XmlBufferPtr buf(xmlBufferCreate());
  if (!buf) return fail(Errc::kInternal, "cannot create an XML buffer", capture.take());
  if (xmlNodeDump(buf.get(), doc, node, 0, 0) < 0) {
    return fail(Errc::kInternal, "XML serialisation failed", capture.take());
  }
  return std::string(as_chars(xmlBufferContent(buf.get())),
                     static_cast<size_t>(xmlBufferLength(buf.get())));
}

}  // namespace sigil::xml
