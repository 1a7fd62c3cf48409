#include "sigil/http/io_runtime.hpp"

namespace sigil::http {

unsigned hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

IoRuntime::IoRuntime(unsigned io_threads, unsigned blocking_threads)
    : io_threads_(io_threads == 0 ? hardware_threads() : io_threads),
      io_(static_cast<int>(io_threads_)),
      blocking_(blocking_threads == 0 ? hardware_threads() : blocking_threads) {}

IoRuntime::~IoRuntime() { stop(); }

void IoRuntime::start() {
  if (!threads_.empty()) return;
  work_.emplace(io_.get_executor());
  for (unsigned i = 0; i < io_threads_; ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

void IoRuntime::stop() {
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  blocking_.join();
}

}  // namespace sigil::http
