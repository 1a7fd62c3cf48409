#include "sigil/xml/library.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include "error_capture.hpp"

namespace sigil::xml {
namespace {

// Constant-initialised (std::mutex has a constexpr constructor): no static-initialisation order
// issue and no non-trivial global constructor.
std::mutex g_mutex;
int g_refs = 0;

// Steps run in order; shutdown undoes the completed ones in reverse.
void shutdown_steps(int completed) {
  if (completed >= 4) xmlSecCryptoShutdown();
  if (completed >= 3) xmlSecCryptoAppShutdown();
  if (completed >= 2) xmlSecShutdown();
  if (completed >= 1) xmlCleanupParser();
}

Result<void> init_locked() {
  xmlInitParser();
  detail::install_default_handlers();
  detail::ErrorCapture capture;
  // Before xmlSecInit, so even init errors never reach stderr.
  xmlSecErrorsSetCallback(detail::xmlsec_error_callback);
  if (xmlSecInit() < 0) {
    shutdown_steps(1);
    return fail(Errc::kInternal, "xmlsec initialisation failed", capture.take());
  }
  if (xmlSecCheckVersion() != 1) {
    shutdown_steps(2);
    return fail(Errc::kInternal, "xmlsec library version mismatch", capture.take());
  }
  if (xmlSecCryptoAppInit(nullptr) < 0) {
    shutdown_steps(2);
    return fail(Errc::kInternal, "xmlsec crypto app initialisation failed", capture.take());
  }
  if (xmlSecCryptoInit() < 0) {
    shutdown_steps(3);
    return fail(Errc::kInternal, "xmlsec-openssl initialisation failed", capture.take());
  }
  // xmlSecOpenSSLInit installs its own (printing) callback; ours must win.
  xmlSecErrorsSetCallback(detail::xmlsec_error_callback);
  xmlSecErrorsDefaultCallbackEnableOutput(0);
  return {};
}

}  // namespace

Result<std::unique_ptr<XmlSecLibrary>> XmlSecLibrary::create() {
  std::lock_guard lock(g_mutex);
  if (g_refs == 0) SIGIL_TRY_VOID(init_locked());
  ++g_refs;
  return std::unique_ptr<XmlSecLibrary>(new XmlSecLibrary());
}

XmlSecLibrary::~XmlSecLibrary() {
  std::lock_guard lock(g_mutex);
  if (--g_refs == 0) shutdown_steps(4);
}

XmlSecLibrary& XmlSecLibrary::ensure() {
  // Function-local: created on first use (never during static initialisation), destroyed at exit.
  static std::unique_ptr<XmlSecLibrary> instance = [] {
    auto lib = create();
    if (!lib) {
      std::fprintf(stderr, "fatal: XmlSecLibrary::ensure: %s\n", lib.error().to_string().c_str());
      std::abort();
    }
    return std::move(lib).value();
  }();
  return *instance;
}

int XmlSecLibrary::live_instances() {
  std::lock_guard lock(g_mutex);
  return g_refs;
}

}  // namespace sigil::xml
