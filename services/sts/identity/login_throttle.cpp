#include "sts/identity/login_throttle.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>

#include <boost/asio/ip/address_v4.hpp>
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

std::optional<std::string> source_group(std::string_view source) {
  boost::system::error_code ec;
  constexpr std::string_view kSlash64 = "/64";
  if (source.ends_with(kSlash64)) {
    source.remove_suffix(kSlash64.size());
    const auto v6 = boost::asio::ip::make_address_v6(std::string(source), ec);
    if (ec) return std::nullopt;
    boost::asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
    std::fill(bytes.begin() + 6, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/48";
  }
  const auto v4 = boost::asio::ip::make_address_v4(std::string(source), ec);
  if (ec) return std::nullopt;
  boost::asio::ip::address_v4::bytes_type bytes = v4.to_bytes();
  bytes[3] = 0;
  return boost::asio::ip::address_v4(bytes).to_string() + "/24";
}

LoginThrottle::LoginThrottle(LoginThrottleOptions options, metrics::Registry& metrics)
    : options_(options),
      throttled_(metrics
                     .counter("sigil_login_throttled_total",
                              "Password attempts refused at once because their client source "
                              "or its /48 (IPv6) or /24 (IPv4) had used up its attempts (no "
                              "scrypt, no database).")
                     .with()),
      overflow_{options.burst, TimePoint{}} {}

double LoginThrottle::capacity(const Bucket& b) const {
  return b.group ? options_.burst * options_.group_factor : options_.burst;
}

void LoginThrottle::refill(Bucket& b, TimePoint now) const {
  if (now <= b.updated) return;
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - b.updated).count();
  const double rate = b.group ? options_.per_minute * options_.group_factor : options_.per_minute;
  b.tokens = std::min(capacity(b), b.tokens + minutes * rate);
  b.updated = now;
}

void LoginThrottle::sweep(TimePoint now) {
  if (now - last_sweep_ < kSweepInterval && now >= last_sweep_) return;
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= capacity(it->second) - kSlack ? buckets_.erase(it) : std::next(it);
  }
}

LoginThrottle::Bucket& LoginThrottle::bucket_for(std::string_view key, bool group, TimePoint now) {
  if (auto it = buckets_.find(key); it != buckets_.end()) return it->second;
  if (buckets_.size() >= options_.max_sources) return overflow_;
  Bucket fresh{0, now, group};
  fresh.tokens = capacity(fresh);
  return buckets_.emplace(std::string(key), fresh).first->second;
}

LoginThrottle::Bucket& LoginThrottle::tracked_or_overflow(std::string_view key) {
  auto it = buckets_.find(key);
  return it != buckets_.end() ? it->second : overflow_;
}

bool LoginThrottle::try_acquire(std::string_view source, TimePoint now) {
  std::lock_guard lock(mu_);
  const std::optional<std::string> group = source_group(source);
  // Make room before taking references: a sweep erases buckets (std::map keeps the others).
  if (buckets_.size() + 2 > options_.max_sources) sweep(now);
  // The group first, so that a tracked source has its group tracked whenever there was room.
  Bucket* group_bucket = group ? &bucket_for(*group, true, now) : nullptr;
  Bucket* own = &bucket_for(source, false, now);
  if (group_bucket == own) group_bucket = nullptr;  // both the overflow bucket: draw once
  std::array<Bucket*, 2> drawn{own, group_bucket};
  for (Bucket* b : drawn) {
    if (b == nullptr) continue;
    refill(*b, now);
    if (b->tokens < 1.0 - kSlack) {
      throttled_.inc();
      return false;
    }
  }
  for (Bucket* b : drawn) {
    if (b != nullptr) b->tokens = std::max(0.0, b->tokens - 1.0);
  }
  return true;
}

void LoginThrottle::refund(std::string_view source, TimePoint now) {
  std::lock_guard lock(mu_);
  const std::optional<std::string> group = source_group(source);
  Bucket* own = &tracked_or_overflow(source);
  Bucket* group_bucket = group ? &tracked_or_overflow(*group) : nullptr;
  if (group_bucket == own) group_bucket = nullptr;
  for (Bucket* b : {own, group_bucket}) {
    if (b == nullptr) continue;
    refill(*b, now);
    b->tokens = std::min(capacity(*b), b->tokens + 1.0);
  }
}

std::size_t LoginThrottle::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace sigil::sts::identity
