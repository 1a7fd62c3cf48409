#pragma once
// ReplayCache: the signed requests this replica has accepted, so that a signed WS-Security
// request is accepted once (docs/wstrust.md, "Timestamps and replay").
//
// A request is named by a ReplayKey, the SHA-256 of the exclusive c14n of its ds:SignedInfo
// (replay_key() in security.hpp). SignedInfo is what the signature covers: it holds the digests
// of the Body and of the Timestamp, so two requests with the same key are the same signed
// request. Keying on SignedInfo rather than on the SignatureValue bytes also catches
// signatures that can be re-encoded without the key (an ECDSA (r, s) is also valid as
// (r, n - s)).
//
// Each entry is kept until `forget_after`, the last instant at which the server would still
// accept the request's Timestamp (timestamp_acceptable_until()); after that the Timestamp
// check refuses the request anyway, so forgetting it loses nothing. A client chooses its
// Created within the clock tolerance T of the server's clock, up to now + T, so an entry lives
// at most 2T + max-age after it is made (1500 s with the defaults), not max-age + T.
//
// Bounded: at most `max_entries` entries, and at most `max_per_signer` of them made by one
// signer (by default max_entries / kSignerShare). The signer is whatever the caller names as
// the authenticated party that signed (TokenService: the principal's UPN, see
// token_service.hpp); an entry counts against its signer until it is dropped. remember() first
// drops entries whose time has passed; a signer at its quota is refused (kSignerFull) and the
// whole cache, once full, refuses everyone (kFull), rather than forget an entry still in force:
// a full cache never lets a replay through, the caller refuses the request. The quota keeps one
// signer from filling the cache for everybody: that takes kSignerShare signers at their quota.
// A replay is recognised whoever sends it (kReplayed comes before either quota).
// Cost per call: O(log n) time (std::maps, so no hash flooding whatever keys come in, and a
// binary heap of expiry times), plus the amortised removal of expired entries; about 160 bytes
// per entry (a 96-byte map node with its 32-byte key, a 40-byte heap slot and the vector's
// slack), i.e. about 16 MB at 100 000 entries, plus one small map node per signer present.
//
// The cache is in memory and per process: behind a load balancer a request replayed to another
// replica is not caught by this cache (docs/wstrust.md says what that means).
//
// Time is passed in (`now`), never read here, so tests move it without sleeping.
//
// Thread-safety: thread-safe (one mutex).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigil/base/clock.hpp"

namespace sigil::sts::wstrust {

using ReplayKey = std::array<std::uint8_t, 32>;

enum class ReplayVerdict {
  kFresh,       // not seen before (or forgotten after its time): now recorded
  kReplayed,    // recorded earlier and still in force: refuse the request
  kSignerFull,  // not seen, but its signer has its quota of entries in force: not recorded
  kFull,        // not seen, but the cache is full of entries in force: not recorded, refuse
};

class ReplayCache {
 public:
  /// By default one signer may hold at most max_entries / kSignerShare entries.
  static constexpr std::size_t kSignerShare = 16;

  explicit ReplayCache(std::size_t max_entries);
  /// `max_per_signer` is clamped to [1, max_entries].
  ReplayCache(std::size_t max_entries, std::size_t max_per_signer);

  /// Records `key`, signed by `signer`, until `forget_after` (see above) and says whether it
  /// was new.
  ReplayVerdict remember(const ReplayKey& key, std::string_view signer, TimePoint forget_after,
                         TimePoint now);

  /// Entries recorded and not yet dropped (some may already be past their time).
  std::size_t size() const;
  /// Of those, the ones `signer` made.
  std::size_t entries_of(std::string_view signer) const;
  std::size_t max_entries() const { return max_entries_; }
  std::size_t max_per_signer() const { return max_per_signer_; }

 private:
  using SignerCounts = std::map<std::string, std::size_t, std::less<>>;
  struct Entry {
    TimePoint forget_after;
    SignerCounts::iterator signer;  // stable: map iterators outlive other insertions/erasures
  };
  using Expiry = std::pair<TimePoint, ReplayKey>;

  void drop_expired(TimePoint now);  // mu_ held

  const std::size_t max_entries_;
  const std::size_t max_per_signer_;
  mutable std::mutex mu_;    // guards the three below
  SignerCounts per_signer_;  // signer -> entries held (> 0; a signer at 0 is erased)
  std::map<ReplayKey, Entry> seen_;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiry_;
};

}  // namespace sigil::sts::wstrust
