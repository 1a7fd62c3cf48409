#pragma once
// XmlSecLibrary owns process-wide libxml2 and xmlsec setup: xmlInitParser, xmlSecInit,
// xmlSecCryptoAppInit(nullptr), xmlSecCryptoInit, routing of libxml2's and xmlsec's error output
// into Error::detail (never stderr; also for threads started later), and the shutdown of all of it
// in reverse order.
//
// Create exactly one in main(), before any other sigil::xml call, and keep it alive until every
// thread using sigil::xml has stopped. It is never created by a static initialiser.
//
// Creating a second instance is safe: instances share one reference-counted initialisation;
// the first one initialises, the last one destroyed shuts the libraries down.
//
// Tests (and only tests and benchmarks) call XmlSecLibrary::ensure(), which lazily creates a
// process-lifetime instance on first use and aborts with a clear message if init fails.
//
// Thread-safety: create()/destruction/ensure() may race with each other safely (a mutex guards
// the count). Destroying the last instance while another thread still uses sigil::xml is a bug.

#include <memory>

#include "sigil/base/result.hpp"

namespace sigil::xml {

class XmlSecLibrary {
 public:
  // Initialises (or, if already initialised, references) libxml2 + xmlsec with OpenSSL.
  static Result<std::unique_ptr<XmlSecLibrary>> create();

  /// For tests and benchmarks only: a process-lifetime instance, created on first call.
  static XmlSecLibrary& ensure();

  // How many live instances share the initialisation (for tests and diagnostics).
  static int live_instances();

  ~XmlSecLibrary();
  XmlSecLibrary(const XmlSecLibrary&) = delete;
  XmlSecLibrary& operator=(const XmlSecLibrary&) = delete;

 private:
  XmlSecLibrary() = default;
};

}  // namespace sigil::xml
