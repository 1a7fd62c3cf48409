#include "error_capture.hpp"

#include <cstdarg>
#include <cstdio>
#include <string_view>
#include <utility>

#include <libxml/globals.h>
#include <openssl/err.h>
#include <xmlsec/errors.h>

namespace sigil::xml::detail {
namespace {

// Error text is for logs; an attacker who triggers thousands of errors must not grow it unbounded.
constexpr size_t kMaxDetailBytes = 4096;

thread_local ErrorCapture* t_current = nullptr;

void on_structured_error(void* /*ctx*/, xmlError* error) {
  if (t_current == nullptr || error == nullptr) return;
  std::string line = "libxml2";
  if (error->line > 0) line += " line " + std::to_string(error->line);
  line += ": ";
  line += error->message != nullptr ? error->message : "unknown error";
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  t_current->append(line);
}

void on_generic_error(void* /*ctx*/, const char* fmt, ...) {
  if (t_current == nullptr) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::string line(buf);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (!line.empty()) t_current->append("libxml2: " + line);
}

std::string_view xmlsec_reason_text(int reason) {
  for (xmlSecSize i = 0; i < XMLSEC_ERRORS_MAX_NUMBER; ++i) {
    const char* msg = xmlSecErrorsGetMsg(i);
    if (msg == nullptr) break;
    if (xmlSecErrorsGetCode(i) == reason) return msg;
  }
  return "error";
}

}  // namespace

ErrorCapture::ErrorCapture()
    : outer_(t_current),
      outer_structured_(xmlStructuredError),
      outer_structured_ctx_(xmlStructuredErrorContext),
      outer_generic_(xmlGenericError),
      outer_generic_ctx_(xmlGenericErrorContext) {
  t_current = this;
  xmlSetStructuredErrorFunc(nullptr, on_structured_error);
  xmlSetGenericErrorFunc(nullptr, on_generic_error);
}

ErrorCapture::~ErrorCapture() {
  xmlSetStructuredErrorFunc(outer_structured_ctx_, outer_structured_);
  xmlSetGenericErrorFunc(outer_generic_ctx_, outer_generic_);
  t_current = outer_;
  // Never leave errors on the thread's OpenSSL queue for an unrelated caller to find; an outer
  // capture still wants them for its own detail.
  if (outer_ == nullptr) ERR_clear_error();
}

void ErrorCapture::append(std::string_view text) {
  if (text_.size() >= kMaxDetailBytes) return;
  if (!text_.empty()) text_ += "; ";
  text_.append(text.substr(0, kMaxDetailBytes - text_.size()));
}

std::string ErrorCapture::take() {
  std::string openssl = drain_openssl_errors();
  if (!openssl.empty()) append(openssl);
  return std::exchange(text_, {});
}

void xmlsec_error_callback(const char* /*file*/, int /*line*/, const char* func, const char* object,
                           const char* subject, int reason, const char* msg) {
  if (t_current == nullptr) return;
  std::string line = "xmlsec ";
  line += func != nullptr ? func : "?";
  if (object != nullptr) line += std::string(" obj=") + object;
  if (subject != nullptr) line += std::string(" subj=") + subject;
  line += ": ";
  line += xmlsec_reason_text(reason);
  if (msg != nullptr && *msg != '\0') line += std::string(": ") + msg;
  t_current->append(line);
}

void install_default_handlers() {
  xmlThrDefSetStructuredErrorFunc(nullptr, on_structured_error);
  xmlThrDefSetGenericErrorFunc(nullptr, on_generic_error);
  xmlSetStructuredErrorFunc(nullptr, on_structured_error);
  xmlSetGenericErrorFunc(nullptr, on_generic_error);
}

std::string drain_openssl_errors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (out.size() < kMaxDetailBytes) {
      if (!out.empty()) out += "; ";
      out += buf;
    }
  }
  return out;
}

}  // namespace sigil::xml::detail
