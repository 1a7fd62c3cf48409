#pragma once
// The threads of a Sigil service: one io_context run by N threads (default: one per core) for
// sockets and coroutines, and a separate thread pool for blocking work (libpqxx, XML signing),
// so that an io thread never blocks (docs/reference/style.md §6).
//
//   IoRuntime rt(0, 0);   // cores, cores
//   rt.start();
//   Response r = co_await run_blocking(rt.blocking(), [&] { return query_database(); });
//
// Thread-safety: construct, start() and stop() from one thread (main or a test). io() and
// blocking() may be used from any thread once started.

#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sigil::http {

namespace net = boost::asio;

/// The number of hardware threads, at least 1.
unsigned hardware_threads();

class IoRuntime {
 public:
  /// 0 means hardware_threads().
  IoRuntime(unsigned io_threads, unsigned blocking_threads);
  ~IoRuntime();
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  net::io_context& io() { return io_; }
  net::thread_pool& blocking() { return blocking_; }
  unsigned io_threads() const { return io_threads_; }

  /// Starts the io threads. Idempotent.
  void start();
  /// Stops the io_context, joins its threads and the blocking pool. Stop servers first: this
  /// abandons whatever is still queued. Idempotent.
  void stop();

 private:
  unsigned io_threads_;
  net::io_context io_;
  net::thread_pool blocking_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

/// Runs `fn` on `pool` and resumes the calling coroutine on its own executor with the result.
/// `fn` must not throw (Sigil code returns errors as values); if it does, the exception reaches
/// the caller's coroutine, where the connection coroutine catches it.
template <class F>
net::awaitable<std::invoke_result_t<F&>> run_blocking(net::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F&>;
  // co_spawn needs a default-constructible result; Result<T> is not, so wrap it.
  auto task = [fn = std::move(fn)]() mutable -> net::awaitable<std::optional<R>> {
    co_return std::optional<R>(fn());
  };
  std::optional<R> r =
      co_await net::co_spawn(pool.get_executor(), std::move(task), net::use_awaitable);
  co_return std::move(*r);
}

}  // namespace sigil::http
