#include "sigil/xml/parser.hpp"

#include <climits>
#include <optional>
#include <string>

#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>

#include "error_capture.hpp"

namespace sigil::xml {
namespace {

// NONET only. Deliberately absent: NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE, HUGE, RECOVER.
constexpr int kParseOptions = XML_PARSE_NONET;

struct ParseState {
  const ParseLimits* limits = nullptr;
  int depth = 0;
  size_t elements = 0;
  std::optional<Error> error;
};

xmlParserCtxt* as_ctxt(void* ctx) { return static_cast<xmlParserCtxt*>(ctx); }
ParseState& state_of(void* ctx) { return *static_cast<ParseState*>(as_ctxt(ctx)->_private); }

// Records the first rule violation and stops the parser before it reads another byte.
void reject(void* ctx, Errc code, std::string message) {
  ParseState& st = state_of(ctx);
  if (!st.error) st.error = make_error(code, std::move(message));
  xmlStopParser(as_ctxt(ctx));
}

bool is_utf8_label(const xmlChar* name) {
  return name == nullptr || xmlStrcasecmp(name, as_xml_chars("UTF-8")) == 0 ||
         xmlStrcasecmp(name, as_xml_chars("UTF8")) == 0;
}

void on_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  reject(ctx, Errc::kMalformedRequest, "DOCTYPE is not allowed");
}

void on_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  reject(ctx, Errc::kMalformedRequest, "DOCTYPE is not allowed");
}

void on_processing_instruction(void* ctx, const xmlChar*, const xmlChar*) {
  reject(ctx, Errc::kMalformedRequest, "processing instructions are not allowed");
}

void on_start_document(void* ctx) {
  xmlParserCtxt* ctxt = as_ctxt(ctx);
  const bool utf8 = is_utf8_label(ctxt->encoding) &&
                    (ctxt->input == nullptr || is_utf8_label(ctxt->input->encoding));
  if (!utf8) return reject(ctx, Errc::kMalformedRequest, "only UTF-8 encoded XML is accepted");
  xmlSAX2StartDocument(ctx);
}

void on_start_element(void* ctx, const xmlChar* local, const xmlChar* prefix, const xmlChar* uri,
                      int nb_ns, const xmlChar** ns, int nb_attrs, int nb_defaulted,
                      const xmlChar** attrs) {
  ParseState& st = state_of(ctx);
  ++st.depth;
  st.elements += 1 + static_cast<size_t>(nb_attrs);
  if (st.depth > st.limits->max_depth) {
    return reject(ctx, Errc::kPayloadTooLarge,
                  "XML nesting deeper than " + std::to_string(st.limits->max_depth));
  }
  if (st.elements > st.limits->max_nodes) {
    return reject(ctx, Errc::kPayloadTooLarge,
                  "XML has more than " + std::to_string(st.limits->max_nodes) + " nodes");
  }
  xmlSAX2StartElementNs(ctx, local, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted, attrs);
}

void on_end_element(void* ctx, const xmlChar* local, const xmlChar* prefix, const xmlChar* uri) {
  --state_of(ctx).depth;
  xmlSAX2EndElementNs(ctx, local, prefix, uri);
}

void install_hooks(xmlSAXHandler* sax) {
  sax->internalSubset = on_doctype;
  sax->externalSubset = on_doctype;
  sax->entityDecl = on_entity_decl;
  sax->processingInstruction = on_processing_instruction;
  sax->startDocument = on_start_document;
  sax->startElementNs = on_start_element;
  sax->endElementNs = on_end_element;
}

Result<void> precheck(std::string_view bytes, const ParseLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return fail(Errc::kPayloadTooLarge,
                "XML document larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  if (bytes.empty()) return fail(Errc::kMalformedRequest, "empty XML document");
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  if (b0 == 0x00 || b0 == 0xFE || b0 == 0xFF) {
    return fail(Errc::kMalformedRequest, "only UTF-8 encoded XML is accepted");
  }
  // Defence in depth ahead of the SAX hooks; "<!DOCTYPE" cannot appear in a document we accept.
  if (bytes.find("<!DOCTYPE") != std::string_view::npos) {
    return fail(Errc::kMalformedRequest, "DOCTYPE is not allowed");
  }
  return {};
}

size_t text_bytes(const xmlNode* node) {
  size_t n = 0;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->content != nullptr) n += static_cast<size_t>(xmlStrlen(c->content));
  }
  return n;
}

// Counts attributes of `element` and checks their sizes.
Result<size_t> check_attributes(const xmlNode* element, const ParseLimits& limits) {
  size_t count = 0;
  for (const xmlAttr* a = element->properties; a != nullptr; a = a->next) {
    ++count;
    if (text_bytes(reinterpret_cast<const xmlNode*>(a)) > limits.max_attr_or_text_bytes) {
      return fail(Errc::kPayloadTooLarge, "XML attribute value larger than " +
                                              std::to_string(limits.max_attr_or_text_bytes) +
                                              " bytes");
    }
  }
  return count;
}

// `depth` is the element depth of `node` itself (the root element has depth 1).
Result<void> check_node(const xmlNode* node, int depth, const ParseLimits& limits, size_t& nodes) {
  switch (node->type) {
    case XML_ELEMENT_NODE: {
      if (depth > limits.max_depth) {
        return fail(Errc::kPayloadTooLarge,
                    "XML nesting deeper than " + std::to_string(limits.max_depth));
      }
      SIGIL_TRY(size_t attrs, check_attributes(node, limits));
      nodes += 1 + attrs;
      break;
    }
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
    case XML_COMMENT_NODE:
      ++nodes;
      if (node->content != nullptr &&
          static_cast<size_t>(xmlStrlen(node->content)) > limits.max_attr_or_text_bytes) {
        return fail(
            Errc::kPayloadTooLarge,
            "XML text larger than " + std::to_string(limits.max_attr_or_text_bytes) + " bytes");
      }
      break;
    case XML_PI_NODE:
      return fail(Errc::kMalformedRequest, "processing instructions are not allowed");
    default:
      return fail(Errc::kMalformedRequest, "DOCTYPE, entities and XInclude are not allowed");
  }
  if (nodes > limits.max_nodes) {
    return fail(Errc::kPayloadTooLarge,
                "XML has more than " + std::to_string(limits.max_nodes) + " nodes");
  }
  return {};
}

// The tree-level rules, walked iteratively (no recursion) over everything below the document.
Result<void> check_tree(xmlDoc* doc, const ParseLimits& limits) {
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return fail(Errc::kMalformedRequest, "DOCTYPE is not allowed");
  }
  if (!is_utf8_label(doc->encoding)) {
    return fail(Errc::kMalformedRequest, "only UTF-8 encoded XML is accepted");
  }
  const auto* root = reinterpret_cast<const xmlNode*>(doc);
  size_t nodes = 0;
  int depth = 0;  // element depth of the current node's parent
  const xmlNode* n = root->children;
  while (n != nullptr) {
    const bool element = n->type == XML_ELEMENT_NODE;
    SIGIL_TRY_VOID(check_node(n, element ? depth + 1 : depth, limits, nodes));
    if (element && n->children != nullptr) {
      ++depth;
      n = n->children;
      continue;
    }
    while (n != root && n->next == nullptr) {
      n = n->parent;
      --depth;
    }
    n = n == root ? nullptr : n->next;
  }
  return {};
}

}  // namespace

Result<XmlDocPtr> parse_untrusted(std::string_view bytes, const ParseLimits& limits) {
  // Configuration, not request data: libxml2 itself stops at depth 256 without XML_PARSE_HUGE.
  SIGIL_CHECK(limits.max_depth > 0 && limits.max_depth < 256);
  SIGIL_CHECK(limits.max_bytes <= static_cast<size_t>(INT_MAX));
  SIGIL_TRY_VOID(precheck(bytes, limits));

  detail::ErrorCapture capture;
  XmlParserCtxtPtr ctxt(xmlCreateMemoryParserCtxt(bytes.data(), static_cast<int>(bytes.size())));
  if (!ctxt) return fail(Errc::kInternal, "cannot create an XML parser", capture.take());
  xmlCtxtUseOptions(ctxt.get(), kParseOptions);
  // Whatever libxml2's process-wide defaults say, this parse substitutes and loads nothing.
  ctxt->replaceEntities = 0;
  ctxt->loadsubset = 0;
  ctxt->validate = 0;
  install_hooks(ctxt->sax);
  ParseState state;
  state.limits = &limits;
  ctxt->_private = &state;

  xmlParseDocument(ctxt.get());
  XmlDocPtr doc(std::exchange(ctxt->myDoc, nullptr));
  if (state.error) {
    return fail(state.error->code, std::move(state.error->message), capture.take());
  }
  if (!doc || ctxt->wellFormed == 0) {
    return fail(Errc::kMalformedRequest, "XML is not well-formed", capture.take());
  }
  if (ctxt->nsWellFormed == 0) {
    return fail(Errc::kMalformedRequest, "XML namespaces are not well-formed", capture.take());
  }
  SIGIL_TRY_VOID(check_tree(doc.get(), limits));
  return doc;
}

}  // namespace sigil::xml
