#include "sts/identity/login_throttle.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>

#include <boost/asio/ip/address_v6.hpp>

namespace sigil::sts::identity {
namespace {

constexpr std::chrono::seconds kSweepInterval{1};
// Refills are fractions (10 s at 6 a minute is 0.1666.. minutes * 6): an attempt counts as
// regained when it is within this much of a whole one, so rounding never delays it.
constexpr double kSlack = 1e-9;

}  // namespace

std::string client_source(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().to_string();
  const boost::asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  boost::asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

LoginThrottle::LoginThrottle(LoginThrottleOptions options, metrics::Registry& metrics)
    : options_(options),
      throttled_(metrics
                     .counter("sigil_login_throttled_total",
                              "Password attempts refused at once because their client source "
                              "had used up its attempts (no scrypt, no database).")
                     .with()),
      overflow_{options.burst, TimePoint{}} {}

void LoginThrottle::refill(Bucket& b, TimePoint now) const {
  if (now <= b.updated) return;
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - b.updated).count();
  b.tokens = std::min(options_.burst, b.tokens + minutes * options_.per_minute);
  b.updated = now;
}

void LoginThrottle::sweep(TimePoint now) {
  if (now - last_sweep_ < kSweepInterval && now >= last_sweep_) return;
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= options_.burst - kSlack ? buckets_.erase(it) : std::next(it);
  }
}

LoginThrottle::Bucket& LoginThrottle::bucket_for(std::string_view source, TimePoint now) {
  if (auto it = buckets_.find(source); it != buckets_.end()) return it->second;
  if (buckets_.size() >= options_.max_sources) sweep(now);
  if (buckets_.size() >= options_.max_sources) return overflow_;
  return buckets_.emplace(std::string(source), Bucket{options_.burst, now}).first->second;
}

bool LoginThrottle::try_acquire(std::string_view source, TimePoint now) {
  std::lock_guard lock(mu_);
  Bucket& b = bucket_for(source, now);
  refill(b, now);
  if (b.tokens < 1.0 - kSlack) {
    throttled_.inc();
    return false;
  }
  b.tokens = std::max(0.0, b.tokens - 1.0);
  return true;
}

void LoginThrottle::refund(std::string_view source, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(source);
  Bucket& b = it != buckets_.end() ? it->second : overflow_;
  refill(b, now);
  b.tokens = std::min(options_.burst, b.tokens + 1.0);
}

std::size_t LoginThrottle::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace sigil::sts::identity
