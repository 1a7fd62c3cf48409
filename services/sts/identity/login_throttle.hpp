#pragma once
// LoginThrottle: a token bucket per client source for password attempts, checked before any
// database read or scrypt computation (docs/identity.md, "Throttling").
//
// Each source starts with `burst` attempts and regains `per_minute` attempts a minute, up to
// `burst`. try_acquire() takes one attempt or says no; a refused attempt costs the server a map
// lookup, no scrypt and no database round trip. refund() gives the attempt back after a
// successful login, so only failures (and attempts in flight) use up a source's budget.
//
// Memory is bounded: at most `max_sources` buckets (about 100 bytes each). A bucket that has
// refilled to `burst` is the same as no bucket, so when the table is full such buckets are
// swept out (a full pass, at most once a second). If it is still full, sources without a bucket
// share one overflow bucket of the same size: under a flood of many addresses new sources are
// throttled together, while every source already tracked keeps its own budget.
//
// A source is client_source() of the client's address: the IPv4 address, or the /64 prefix of
// an IPv6 address (one host usually has a whole /64). Behind a reverse proxy that is the
// proxy's address (docs/identity.md).
//
// Time is passed in (`now`), never read here. Metric: sigil_login_throttled_total (attempts
// refused).
//
// Thread-safety: thread-safe (one mutex); the registry must outlive the throttle.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "sigil/base/clock.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::sts::identity {

struct LoginThrottleOptions {
  double burst = 10;                // attempts a source may make at once
  double per_minute = 10;           // attempts regained per minute
  std::size_t max_sources = 65536;  // buckets held at most
};

/// "192.0.2.7"; "2001:db8:1:2::/64" (an IPv4-mapped IPv6 address counts as its IPv4 address).
std::string client_source(const boost::asio::ip::address& address);

class LoginThrottle {
 public:
  LoginThrottle(LoginThrottleOptions options, metrics::Registry& metrics);

  /// Takes one attempt for `source`; false (and counted) when it has none left.
  bool try_acquire(std::string_view source, TimePoint now);
  /// Gives back one attempt to `source` (never above `burst`).
  void refund(std::string_view source, TimePoint now);

  /// Buckets held, the overflow bucket not counted.
  std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
  };

  void refill(Bucket& b, TimePoint now) const;
  /// The source's bucket, created full if there is room; else the overflow bucket. mu_ held.
  Bucket& bucket_for(std::string_view source, TimePoint now);
  void sweep(TimePoint now);  // mu_ held

  const LoginThrottleOptions options_;
  metrics::Counter& throttled_;
  mutable std::mutex mu_;  // guards the members below
  std::map<std::string, Bucket, std::less<>> buckets_;
  Bucket overflow_;
  TimePoint last_sweep_;
};

}  // namespace sigil::sts::identity
