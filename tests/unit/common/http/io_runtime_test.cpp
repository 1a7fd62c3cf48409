#include "sigil/http/io_runtime.hpp"

#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>

#include "sigil/base/result.hpp"

namespace sigil::http {
namespace {

TEST(IoRuntime, DefaultsToOneIoThreadPerCore) {
  IoRuntime rt(0, 0);
  EXPECT_EQ(rt.io_threads(), hardware_threads());
  EXPECT_GE(hardware_threads(), 1u);
}

TEST(IoRuntime, RunBlockingRunsOnThePoolAndResumesOnTheCallersStrand) {
  IoRuntime rt(2, 2);
  rt.start();
  auto strand = net::make_strand(rt.io());
  std::promise<std::tuple<bool, bool, int>> done;
  net::co_spawn(
      strand,
      [&]() -> net::awaitable<void> {
        bool pool_was_io = true;
        Result<int> r = co_await run_blocking(rt.blocking(), [&]() -> Result<int> {
          pool_was_io = rt.io().get_executor().running_in_this_thread();
          return 42;
        });
        bool back_on_strand = strand.running_in_this_thread();
        done.set_value({pool_was_io, back_on_strand, r ? *r : -1});
      },
      net::detached);
  auto [pool_was_io, back_on_strand, value] = done.get_future().get();
  EXPECT_FALSE(pool_was_io);
  EXPECT_TRUE(back_on_strand);
  EXPECT_EQ(value, 42);
  rt.stop();
}

TEST(IoRuntime, RunBlockingCarriesErrors) {
  IoRuntime rt(1, 1);
  rt.start();
  std::promise<Errc> done;
  net::co_spawn(
      rt.io(),
      [&]() -> net::awaitable<void> {
        Result<std::string> r = co_await run_blocking(
            rt.blocking(), []() -> Result<std::string> { return fail(Errc::kUnavailable, "db"); });
        done.set_value(r ? Errc::kInternal : r.error().code);
      },
      net::detached);
  EXPECT_EQ(done.get_future().get(), Errc::kUnavailable);
}

}  // namespace
}  // namespace sigil::http
