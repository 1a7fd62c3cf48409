#pragma once
// The load generator of sigil_sts_bench: N keep-alive HTTPS connections (Beast over Asio, TLS
// with an optional client certificate) that POST SOAP requests to one target and time each
// exchange.
//
// Two ways to drive it:
// - closed loop (rate == 0): every connection sends its next request as soon as the previous
//   answer arrived; the result is the server's peak rate at that concurrency;
// - open loop (rate > 0): requests are scheduled at fixed intervals across all connections and a
//   latency is measured from the scheduled time, not the send time, so a stalled server shows
//   up in the percentiles instead of silently lowering the offered load (coordinated omission).
//
// What a request is and what counts as success are the caller's: `next` builds request number
// `seq`, `check` judges each answer. Both run on the generator's single thread, in completion
// order, so a caller may keep state in them without locks (the rotation mode records which key
// signed each token). A failed connection is re-opened and counted, never fatal.
//
// Thread-safety: run_load() runs a private io_context on the calling thread, and calls the
// callbacks on that thread only. Independent runs may proceed on different threads.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "sigil/base/result.hpp"

namespace sigil::bench {

using SteadyTime = std::chrono::steady_clock::time_point;

/// One SOAP request: its action header, body and a caller-defined kind (e.g. issue/validate).
struct LoadRequest {
  std::string soap_action;
  std::string body;
  int kind = 0;
};

/// One answer, as handed to LoadOptions::check.
struct LoadAnswer {
  const LoadRequest* request = nullptr;
  unsigned status = 0;
  std::string_view body;
  SteadyTime sent;      // when the request was scheduled (open loop) or written (closed loop)
  SteadyTime received;  // when the whole answer had been read
};

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string target;  // e.g. /sts/STSService/vsphere.local
  unsigned connections = 16;
  std::chrono::milliseconds warmup{2'000};     // requests sent before this are not counted
  std::chrono::milliseconds duration{10'000};  // the measured window after the warm-up
  double rate = 0;                             // requests/s over all connections; 0: closed loop
  SSL_CTX* tls = nullptr;                      // client context (borrowed; must outlive the run)
  std::function<LoadRequest(std::uint64_t seq)> next;
  /// true: success. Called for every answer, also during the warm-up.
  std::function<bool(const LoadAnswer&)> check;
  /// Optional: called when the measured window begins and when it ends (e.g. to sample CPU).
  std::function<void()> on_window_begin;
  std::function<void()> on_window_end;
};

struct LoadResult {
  std::uint64_t ok = 0;            // successful answers to requests sent in the window
  std::uint64_t failed = 0;        // answers `check` refused (in the window)
  std::uint64_t reconnects = 0;    // connections re-opened after an I/O error or a close
  double seconds = 0;              // length of the measured window
  std::vector<double> latency_us;  // of the successful requests, in the window
  std::string first_failure;       // status and start of the first refused answer or I/O error

  double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
  /// The p-th percentile (0..100) of latency_us, in microseconds; 0 when there is none.
  double percentile_us(double p) const;
};

/// Runs the load described by `options`. Fails (kInvalidArgument) on incomplete options and
/// (kUnavailable) when not a single connection could be made.
Result<LoadResult> run_load(const LoadOptions& options);

}  // namespace sigil::bench
