#pragma once
// Internal: routes libxml2, xmlsec and OpenSSL error text into Error::detail instead of stderr.
//
// libxml2 keeps its error handlers per thread, so an ErrorCapture installs its handlers for the
// current thread only and restores the previous ones when it goes out of scope. xmlsec has one
// process-wide callback (installed once by XmlSecLibrary) that appends to the innermost
// ErrorCapture alive on the calling thread, or drops the text when there is none.
//
// Thread-safety: an ErrorCapture belongs to the thread that created it; captures nest.

#include <string>
#include <string_view>

#include <libxml/xmlerror.h>
#include <xmlsec/xmlsec.h>  // xmlSecSize, used by xmlsec/errors.h

namespace sigil::xml::detail {

class ErrorCapture {
 public:
  ErrorCapture();
  ~ErrorCapture();
  ErrorCapture(const ErrorCapture&) = delete;
  ErrorCapture& operator=(const ErrorCapture&) = delete;

  // Everything collected so far plus the thread's OpenSSL error queue (which is emptied).
  std::string take();
  void append(std::string_view text);

 private:
  ErrorCapture* outer_;
  xmlStructuredErrorFunc outer_structured_;
  void* outer_structured_ctx_;
  xmlGenericErrorFunc outer_generic_;
  void* outer_generic_ctx_;
  std::string text_;
};

// The xmlsec errors callback (see xmlSecErrorsSetCallback); appends to the current capture.
void xmlsec_error_callback(const char* file, int line, const char* func, const char* object,
                           const char* subject, int reason, const char* msg);

// Makes libxml2 report to the capture mechanism (and otherwise drop the text) on this thread and,
// by default, on every thread created afterwards, so nothing is ever printed to stderr.
void install_default_handlers();

// Drains the thread's OpenSSL error queue into a string ("" when empty).
std::string drain_openssl_errors();

}  // namespace sigil::xml::detail
