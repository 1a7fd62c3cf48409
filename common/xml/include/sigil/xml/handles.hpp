#pragma once
// RAII owners for every libxml2 and xmlsec handle Sigil touches. A raw xmlFreeDoc,
// xmlSecDSigCtxDestroy, xmlFree, ... anywhere else is a review failure. When a C function takes
// ownership, call .release() on the same line and name the function in a comment, e.g.
// `ctx->signKey = key.release();  // xmlSecDSigCtxDestroy frees signKey`.
//
// Thread-safety: the aliases are unique_ptrs. A document (and everything hanging off it) is used
// by one thread at a time; different documents may be used on different threads.

#include <memory>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlmemory.h>
#include <libxml/xpath.h>
#include <xmlsec/buffer.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/xmldsig.h>

#include "sigil/crypto/handles.hpp"

namespace sigil::xml {

// xmlFree is a function-pointer variable (a macro when libxml2 has threads), so it cannot be a
// template argument itself.
inline void free_xml_char(xmlChar* p) noexcept { xmlFree(p); }
inline void close_output_buffer(xmlOutputBuffer* p) noexcept { xmlOutputBufferClose(p); }

using XmlDocPtr = std::unique_ptr<xmlDoc, CDeleter<xmlFreeDoc>>;
// An element not linked into any tree (e.g. a template that failed before insertion).
using XmlNodePtr = std::unique_ptr<xmlNode, CDeleter<xmlFreeNode>>;
using XmlCharPtr = std::unique_ptr<xmlChar, CDeleter<free_xml_char>>;
using XmlParserCtxtPtr = std::unique_ptr<xmlParserCtxt, CDeleter<xmlFreeParserCtxt>>;
using XmlOutputBufferPtr = std::unique_ptr<xmlOutputBuffer, CDeleter<close_output_buffer>>;
using XmlBufferPtr = std::unique_ptr<xmlBuffer, CDeleter<xmlBufferFree>>;
using XmlXPathContextPtr = std::unique_ptr<xmlXPathContext, CDeleter<xmlXPathFreeContext>>;
using XmlXPathObjectPtr = std::unique_ptr<xmlXPathObject, CDeleter<xmlXPathFreeObject>>;

using DSigCtxPtr = std::unique_ptr<xmlSecDSigCtx, CDeleter<xmlSecDSigCtxDestroy>>;
using SecKeyPtr = std::unique_ptr<xmlSecKey, CDeleter<xmlSecKeyDestroy>>;
using SecKeyDataPtr = std::unique_ptr<xmlSecKeyData, CDeleter<xmlSecKeyDataDestroy>>;
using SecKeysMngrPtr = std::unique_ptr<xmlSecKeysMngr, CDeleter<xmlSecKeysMngrDestroy>>;
using SecBufferPtr = std::unique_ptr<xmlSecBuffer, CDeleter<xmlSecBufferDestroy>>;

// Views an xmlChar string as a char string (libxml2 strings are UTF-8).
inline const char* as_chars(const xmlChar* s) noexcept { return reinterpret_cast<const char*>(s); }
inline const xmlChar* as_xml_chars(const char* s) noexcept {
  return reinterpret_cast<const xmlChar*>(s);
}

}  // namespace sigil::xml
