#pragma once
// LoginThrottle: token buckets for password attempts, per client source and per source group,
// checked before any database read or scrypt computation (docs/identity.md, "Throttling").
//
// Each source starts with `burst` attempts and regains `per_minute` attempts a minute, up to
// `burst`. Each source also belongs to a group, its IPv6 /48 or IPv4 /24 (source_group()),
// whose bucket holds `group_factor` times as much and refills `group_factor` times as fast; an
// attempt takes one from both, or is refused and takes from neither. Without the group, one
// /48 (65 536 /64 sources, the allocation of a single site) would get 65 536 budgets. A
// source without a group ("unknown") has only its own bucket. try_acquire() takes one attempt
// or says no; a refused attempt costs the server a map lookup, no scrypt and no database round
// trip. refund() gives the attempt back after a successful login, so only failures (and
// attempts in flight) use up a budget.
//
// Memory is bounded: at most `max_sources` buckets (sources and groups together, about 100
// bytes each). A bucket that has refilled is the same as no bucket, so when the table is full
// such buckets are swept out (a full pass, at most once a second). If it is still full, a source
// or group without a bucket draws from one shared overflow bucket of `burst` attempts (once,
// when both do): under a flood of many addresses new sources are throttled together, while a
// source already tracked keeps its own budget.
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
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "sigil/base/clock.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::sts::identity {

struct LoginThrottleOptions {
  double burst = 10;                // attempts a source may make at once
  double per_minute = 10;           // attempts regained per minute
  std::size_t max_sources = 65536;  // buckets held at most (sources and groups)
  double group_factor = 8;          // a group's bucket: this times burst and per_minute
};

/// "192.0.2.7"; "2001:db8:1:2::/64" (an IPv4-mapped IPv6 address counts as its IPv4 address).
std::string client_source(const boost::asio::ip::address& address);

/// The group a client_source() belongs to: "192.0.2.0/24" for "192.0.2.7",
/// "2001:db8:1::/48" for "2001:db8:1:2::/64"; nullopt for anything else ("unknown").
std::optional<std::string> source_group(std::string_view source);

class LoginThrottle {
 public:
  LoginThrottle(LoginThrottleOptions options, metrics::Registry& metrics);

  /// Takes one attempt for `source` and its group; false (and counted) when either has none
  /// left.
  bool try_acquire(std::string_view source, TimePoint now);
  /// Gives back one attempt to `source` and its group (never above their size).
  void refund(std::string_view source, TimePoint now);

  /// Buckets held (sources and groups), the overflow bucket not counted.
  std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
    bool group = false;  // a source group's bucket (group_factor times the size and rate)
  };

  double capacity(const Bucket& b) const;
  void refill(Bucket& b, TimePoint now) const;
  /// The bucket of `key`, created full if there is room; else the overflow bucket. mu_ held.
  Bucket& bucket_for(std::string_view key, bool group, TimePoint now);
  /// The bucket of `key` if tracked, else the overflow bucket. mu_ held.
  Bucket& tracked_or_overflow(std::string_view key);
  void sweep(TimePoint now);  // mu_ held

  const LoginThrottleOptions options_;
  metrics::Counter& throttled_;
  mutable std::mutex mu_;  // guards the members below
  std::map<std::string, Bucket, std::less<>> buckets_;
  Bucket overflow_;
  TimePoint last_sweep_;
};

}  // namespace sigil::sts::identity
